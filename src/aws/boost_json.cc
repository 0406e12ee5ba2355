// The one translation unit that compiles Boost.JSON (header-only mode). Everyone else includes
// <boost/json.hpp> and links eddy::aws.
#include <boost/version.hpp>
static_assert(BOOST_VERSION >= 108100, "Boost 1.81+ required (the image's /usr/include 1.74 leaked in?)");

#include <boost/json/src.hpp>
