#include "token.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace lockstep::rt {

namespace {
constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 36;
  return -1;
}

bool parse_u64(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  v = std::strtoull(s.c_str(), nullptr, 10);
  return errno == 0;
}
}  // namespace

void encode_choices(const std::uint16_t* c, std::size_t n, char* buf, std::size_t cap) noexcept {
  std::size_t o = 0;
  auto put = [&](char ch) {
    if (o + 1 < cap) buf[o++] = ch;
  };
  auto put_num = [&](unsigned v) {
    char tmp[12];
    int k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) put(tmp[--k]);
  };
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && c[j] == c[i]) ++j;
    std::size_t run = j - i;
    std::size_t reps = run >= 4 ? 1 : run;
    for (std::size_t r = 0; r < reps; ++r) {
      if (c[i] < 62) {
        put(kDigits[c[i]]);
      } else {
        put('{');
        put_num(c[i]);
        put('}');
      }
    }
    if (run >= 4) {
      // "<d>*<count>." — the '.' ends the count, so a digit choice may follow it.
      put('*');
      put_num(static_cast<unsigned>(run));
      put('.');
    }
    i = j;
  }
  if (cap) buf[o < cap ? o : cap - 1] = '\0';
}

std::string prefix_of(const token& t) {
  return t.test + "@1." + t.strategy + "." + std::to_string(t.seed) + "." +
         std::to_string(t.max_steps) + "." + std::to_string(t.spurious) + ".";
}

std::string encode(const token& t) {
  std::string buf(t.choices.size() * 8 + 16, '\0');
  encode_choices(t.choices.data(), t.choices.size(), buf.data(), buf.size());
  buf.resize(std::char_traits<char>::length(buf.c_str()));
  return prefix_of(t) + buf;
}

std::string decode(const std::string& text, token& out) {
  auto at = text.find('@');
  if (at == std::string::npos || at == 0) return "missing '<test>@'";
  out.test = text.substr(0, at);
  std::vector<std::string> parts;
  std::size_t pos = at + 1;
  for (int i = 0; i < 5; ++i) {
    auto dot = text.find('.', pos);
    if (dot == std::string::npos) return "expected 6 dot-separated fields after '@'";
    parts.push_back(text.substr(pos, dot - pos));
    pos = dot + 1;
  }
  std::string choices = text.substr(pos);
  if (parts[0] != "1") return "unknown token version '" + parts[0] + "'";
  out.strategy = parts[1];
  if (out.strategy != "dfs" && out.strategy != "dpor" && out.strategy != "graph" &&
      out.strategy != "rnd" && out.strategy != "pct" &&
      !(out.strategy.size() > 2 && out.strategy.rfind("pb", 0) == 0 &&
        out.strategy.find_first_not_of("0123456789", 2) == std::string::npos &&
        out.strategy.size() < 6))
    return "unknown strategy '" + out.strategy + "'";
  std::uint64_t spur = 0;
  if (!parse_u64(parts[2], out.seed)) return "bad seed field '" + parts[2] + "'";
  if (!parse_u64(parts[3], out.max_steps) || out.max_steps == 0)
    return "bad max-steps field '" + parts[3] + "'";
  if (!parse_u64(parts[4], spur) || spur > 1000000) return "bad spurious field '" + parts[4] + "'";
  out.spurious = static_cast<int>(spur);
  out.choices.clear();
  for (std::size_t i = 0; i < choices.size();) {
    char ch = choices[i];
    std::uint64_t v;
    if (ch == '{') {
      auto close = choices.find('}', i);
      if (close == std::string::npos || !parse_u64(choices.substr(i + 1, close - i - 1), v) ||
          v > 65535)
        return "bad {N} choice at offset " + std::to_string(i);
      i = close + 1;
    } else if (ch == '*') {
      return "'*' without a preceding choice at offset " + std::to_string(i);
    } else {
      int d = digit_value(ch);
      if (d < 0) return std::string("bad character '") + ch + "' in choices";
      v = static_cast<std::uint64_t>(d);
      ++i;
    }
    std::uint64_t count = 1;
    if (i < choices.size() && choices[i] == '*') {
      std::size_t j = i + 1;
      while (j < choices.size() && choices[j] >= '0' && choices[j] <= '9') ++j;
      if (!parse_u64(choices.substr(i + 1, j - i - 1), count) || count > 100000000 ||
          j >= choices.size() || choices[j] != '.')
        return "bad repeat count at offset " + std::to_string(i) + " (expected *<count>.)";
      i = j + 1;
    }
    out.choices.insert(out.choices.end(), count, static_cast<std::uint16_t>(v));
  }
  return {};
}

}  // namespace lockstep::rt
