#include "logs/filter_pattern.h"

#include <utility>

namespace eddy::logs {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads a term starting at text[*i]: a quoted phrase (unterminated quotes run to the end) or a run of
// non-space characters.
std::string ReadTerm(std::string_view text, size_t* i) {
  std::string term;
  if (*i < text.size() && text[*i] == '"') {
    ++*i;
    while (*i < text.size() && text[*i] != '"') {
      if (text[*i] == '\\' && *i + 1 < text.size()) ++*i;
      term += text[(*i)++];
    }
    if (*i < text.size()) ++*i;  // closing quote
    return term;
  }
  while (*i < text.size() && !IsSpace(text[*i])) term += text[(*i)++];
  return term;
}

}  // namespace

FilterPattern FilterPattern::Parse(std::string_view text) {
  FilterPattern p;
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    std::vector<std::string>* into = &p.required_;
    // A lone "?" or "-" (followed by a space or the end) is an ordinary term.
    const bool prefixed = (text[i] == '?' || text[i] == '-') && i + 1 < text.size() &&
                          !IsSpace(text[i + 1]);
    if (prefixed) {
      into = text[i] == '?' ? &p.any_of_ : &p.excluded_;
      ++i;
    }
    std::string term = ReadTerm(text, &i);
    if (term.empty()) continue;  // "" matches everything: no constraint
    into->push_back(std::move(term));
  }
  return p;
}

bool FilterPattern::Matches(std::string_view message) const {
  for (const std::string& t : required_) {
    if (message.find(t) == std::string_view::npos) return false;
  }
  for (const std::string& t : excluded_) {
    if (message.find(t) != std::string_view::npos) return false;
  }
  if (any_of_.empty()) return true;
  for (const std::string& t : any_of_) {
    if (message.find(t) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace eddy::logs
