#pragma once
// A small value-or-error type (std::expected is C++23; we build as C++20).

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace eddy {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected<std::decay_t<E>> MakeUnexpected(E&& e) {
  return {std::forward<E>(e)};
}

template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <typename U>
  Expected(Unexpected<U> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT
  // An error converts implicitly, so `return std::move(other).error();` propagates it.
  template <typename U = E, typename = std::enable_if_t<!std::is_same_v<T, U>>>
  Expected(E e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  E& error() & { assert(!ok()); return std::get<1>(v_); }
  const E& error() const& { assert(!ok()); return std::get<1>(v_); }
  E&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

// Expected<void, E>: success carries no value.
template <typename E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  template <typename U>
  Expected(Unexpected<U> e) : e_(std::move(e.error)), ok_(false) {}  // NOLINT
  Expected(E e) : e_(std::move(e)), ok_(false) {}                     // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const& { assert(!ok_); return e_; }
  E&& error() && { assert(!ok_); return std::move(e_); }

 private:
  E e_{};
  bool ok_ = true;
};

}  // namespace eddy
