#define BOOST_ASIO_NO_DEPRECATED  // as in http_server.cc: one Asio configuration per binary

#include "net/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace eddy::net {

Result<ClientResponse> Fetch(const std::string& host, const std::string& port, const std::string& host_header,
                             const std::string& method, const std::string& path,
                             const std::string& content_type, std::string body) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  auto addresses = resolver.resolve(host, port, ec);
  if (!ec) asio::connect(socket, addresses, ec);
  if (ec) return Status::IoError(ec.message());
  http::request<http::string_body> request(http::string_to_verb(method), path, 11);
  request.set(http::field::host, host_header);
  request.set(http::field::user_agent, "eddy");
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  request.body() = std::move(body);
  request.prepare_payload();
  http::write(socket, request, ec);
  if (ec) return Status::IoError(ec.message());
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response, ec);
  if (ec) return Status::IoError(ec.message());
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return ClientResponse{static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace eddy::net
