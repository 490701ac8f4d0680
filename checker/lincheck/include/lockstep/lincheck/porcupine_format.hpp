// lockstep/lincheck/porcupine_format.hpp — parsers for Porcupine's test data formats.
//
// Guarantees: parse_* either return a history or throw lin::parse_error whose what() is
// "file:line: reason". Jepsen etcd logs: lines "INFO  jepsen.util - P\t:type\t:f\tvalue";
// real-time order is line order; `:fail :cas` is a completed cas that returned false; `:info`
// operations stay open; lines that are not jepsen.util op lines are ignored. kv logs: EDN maps
// {:process P, :type :invoke|:ok, :f :get|:put|:append, :key "k", :value "v"|nil}.
#pragma once

#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/kv.hpp>
#include <lockstep/models/register.hpp>

#include <stdexcept>
#include <string>

namespace lockstep::lin {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

history<models::register_model> parse_etcd(const std::string& text, const std::string& name);
history<models::kv> parse_kv(const std::string& text, const std::string& name);
// Reads a whole file; throws parse_error("path: cannot read ...") when unreadable.
std::string read_file(const std::string& path);

}  // namespace lockstep::lin
