#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>
#include <lockstep/test.hpp>

#include <cstdio>
#include <random>
#include <set>
#include <string>

using namespace lockstep;
using R = models::register_model;

namespace {

const std::string dir = LOCKSTEP_PORCUPINE_DIR;

std::string etcd_path(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/jepsen/etcd_%03d.log", i);
  return dir + buf;
}

}  // namespace

LOCKSTEP_UNIT_TEST(etcd_verdicts_match_known_results) {
  const std::set<int> linearizable = {2,  5,  7,  18, 25, 31, 38, 45, 48, 49,  51,  53,
                                      56, 67, 75, 76, 80, 87, 92, 95, 98, 100, 101, 102};
  int ok = 0;
  for (int i = 0; i <= 102; ++i) {
    auto h = lin::parse_etcd(lin::read_file(etcd_path(i)), etcd_path(i));
    auto r = lin::check(R{}, h);
    bool want = linearizable.count(i) > 0;
    LOCKSTEP_ASSERT(r.verdict_ != lin::verdict::unknown) << "etcd_" << i;
    LOCKSTEP_ASSERT(r.linearizable() == want) << "etcd_" << i << " expected " << want;
    if (want) {
      LOCKSTEP_ASSERT(lin::valid_linearization(R{}, h, r.order))
          << "etcd_" << i << " invalid order";
      ++ok;
    } else {
      LOCKSTEP_ASSERT(!r.unplaced.empty()) << "etcd_" << i << " no unplaced ops reported";
    }
  }
  LOCKSTEP_ASSERT(ok == 24) << ok;
}

LOCKSTEP_UNIT_TEST(kv_verdicts_match_known_results) {
  for (const char* c : {"c01", "c10", "c50"}) {
    for (const char* v : {"ok", "bad"}) {
      std::string p = dir + "/kv/" + c + "-" + v + ".txt";
      auto h = lin::parse_kv(lin::read_file(p), p);
      auto r = lin::check(models::kv{}, h);
      LOCKSTEP_ASSERT(r.linearizable() == (std::string(v) == "ok")) << p;
      if (r.linearizable()) {
        LOCKSTEP_ASSERT(r.order.size() == h.ops.size()) << p;
        // One witness for the whole history: the per-key orders merged in real-time order.
        LOCKSTEP_ASSERT(lin::valid_linearization(models::kv{}, h, r.order)) << p;
      }
    }
  }
}

LOCKSTEP_UNIT_TEST(register_model_accepts_and_rejects) {
  using H = lin::history<R>;
  // write(1) [0,10] ; read->1 [5,6] ; read->nil [20,30]: read nil after the write is bad.
  H bad{{{0, {R::op::write, 1}, R::output_type{}, 0, 10},
         {1, {R::op::read}, R::output_type{1}, 5, 6},
         {2, {R::op::read}, R::output_type{R::nil}, 20, 30}}};
  auto r = lin::check(R{}, bad);
  LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::not_linearizable);
  LOCKSTEP_ASSERT(r.unplaced == std::vector<std::size_t>{2}) << lin::describe(r, bad);
  LOCKSTEP_ASSERT(lin::describe(r, bad).find("NOT linearizable") != std::string::npos);
  // Concurrent read of nil is fine.
  H good{{{0, {R::op::write, 1}, R::output_type{}, 0, 10},
          {1, {R::op::read}, R::output_type{R::nil}, 1, 2},
          {2, {R::op::read}, R::output_type{1}, 20, 30}}};
  r = lin::check(R{}, good);
  LOCKSTEP_ASSERT(r.linearizable());
  LOCKSTEP_ASSERT(lin::valid_linearization(R{}, good, r.order));
  // Open write may take effect later: read 7 after it was invoked.
  H open{{{0, {R::op::write, 7}, std::nullopt, 0, lin::open_time},
          {1, {R::op::read}, R::output_type{R::nil}, 1, 2},
          {1, {R::op::read}, R::output_type{7}, 3, 4},
          {2, {R::op::cas, 7, 8}, R::output_type{0, false}, 5, 6}}};
  // The cas(7,8) failed after reading 7, with nobody else writing: not linearizable.
  LOCKSTEP_ASSERT(!lin::check(R{}, open).linearizable());
  open.ops.pop_back();
  r = lin::check(R{}, open);
  LOCKSTEP_ASSERT(r.linearizable());
  LOCKSTEP_ASSERT(lin::valid_linearization(R{}, open, r.order));
}

LOCKSTEP_UNIT_TEST(recorder_builds_history) {
  lin::recorder<R> rec;
  auto a = rec.invoke(0, {R::op::write, 5});
  auto b = rec.invoke(1, {R::op::read});
  rec.respond(b, {5});
  rec.respond(a, {});
  rec.invoke(2, {R::op::write, 9});  // never responds
  auto h = rec.history();
  LOCKSTEP_ASSERT(h.ops.size() == 3 && h.ops[2].open());
  LOCKSTEP_ASSERT(lin::check(R{}, h).linearizable());
  auto c = rec.invoke(1, {R::op::read});
  rec.respond(c, {R::nil});
  LOCKSTEP_ASSERT(!lin::check(R{}, rec.history()).linearizable());
}

LOCKSTEP_UNIT_TEST(parser_reports_file_and_line) {
  auto expect = [](auto fn, const std::string& where) {
    try {
      fn();
    } catch (const lin::parse_error& e) {
      LOCKSTEP_ASSERT(std::string(e.what()).find(where) == 0) << e.what();
      return;
    }
    LOCKSTEP_FAIL() << "no parse error, wanted " << where;
  };
  expect(
      [] {
        lin::parse_etcd(
            "INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
            "INFO  jepsen.util - 0\t:invoke\t:bogus\t1\n",
            "e.log");
      },
      "e.log:2:");
  expect([] { lin::parse_etcd("INFO  jepsen.util - 0\t:invoke\t:cas\t[1]\n", "e.log"); },
         "e.log:1:");
  expect([] { lin::parse_etcd("INFO  jepsen.util - 3\t:ok\t:read\tnil\n", "e.log"); }, "e.log:1:");
  expect([] { lin::parse_kv("\n{:process 0, :type :invoke, :f :get, :key \"1\"}\n", "k.txt"); },
         "k.txt:2:");
  expect([] { lin::read_file("/nonexistent/x"); }, "/nonexistent/x:");
  auto h = lin::parse_kv(
      "{:process 0, :type :invoke, :f :put, :key \"1\", :value \"a\"}\n"
      "{:process 0, :type :ok, :f :put, :key \"1\", :value \"a\"}\n",
      "k");
  LOCKSTEP_ASSERT(h.ops.size() == 1 && h.ops[0].input.value == "a" && !h.ops[0].open());
}

LOCKSTEP_UNIT_TEST(fuzz_mutated_files_parse_or_fail_cleanly) {
  std::mt19937_64 rng(12345);
  std::string etcd = lin::read_file(etcd_path(7));
  std::string kv = lin::read_file(dir + "/kv/c01-ok.txt");
  int errors = 0, results = 0;
  for (int it = 0; it < 300; ++it) {
    std::string s = (it % 2) ? etcd : kv;
    s.resize(rng() % (s.size() + 1));  // truncation
    int muts = static_cast<int>(rng() % 8);
    for (int k = 0; k < muts && !s.empty(); ++k) {
      std::size_t p = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[p] = static_cast<char>(rng() % 256);
          break;
        case 1:
          s.erase(p, rng() % 16);
          break;
        default:
          s.insert(p, 1, "[]{}\":\t 09\n"[rng() % 12]);
      }
    }
    try {
      lin::options opt;
      opt.max_cache = 100000;
      if (it % 2)
        lin::check(R{}, lin::parse_etcd(s, "fuzz"), opt);
      else
        lin::check(models::kv{}, lin::parse_kv(s, "fuzz"), opt);
      ++results;
    } catch (const lin::parse_error& e) {
      LOCKSTEP_ASSERT(std::string(e.what()).rfind("fuzz:", 0) == 0) << e.what();
      ++errors;
    }
  }
  LOCKSTEP_ASSERT(errors > 0 && results > 0) << errors << " " << results;
}

LOCKSTEP_UNIT_TEST(parser_rejects_out_of_range_numbers_and_cuts_tokens) {
  auto error_of = [](auto fn) -> std::string {
    try {
      fn();
    } catch (const lin::parse_error& e) {
      return e.what();
    }
    return "";
  };
  // A process id above INT_MAX is an error, not silently truncated.
  std::string e = error_of(
      [] { lin::parse_etcd("INFO  jepsen.util - 4294967297\t:invoke\t:read\tnil\n", "e"); });
  LOCKSTEP_ASSERT(e.find("e:1: process id '4294967297' out of range") == 0) << e;
  e = error_of([] {
    lin::parse_kv("{:process -1, :type :invoke, :f :get, :key \"k\", :value nil}\n", "k");
  });
  LOCKSTEP_ASSERT(e.find("k:1: process id '-1' out of range") == 0) << e;
  // Values use the whole 64-bit range but INT64_MIN, which is nil.
  auto h = lin::parse_etcd(
      "INFO  jepsen.util - 0\t:invoke\t:write\t-9223372036854775807\n"
      "INFO  jepsen.util - 0\t:ok\t:write\t-9223372036854775807\n",
      "e");
  LOCKSTEP_ASSERT(h.ops.size() == 1 && h.ops[0].input.arg1 == -9223372036854775807);
  e = error_of([] {
    lin::parse_etcd("INFO  jepsen.util - 0\t:invoke\t:write\t-9223372036854775808\n", "e");
  });
  LOCKSTEP_ASSERT(e.find("out of range") != std::string::npos) << e;
  // A huge token is cut in the message.
  e = error_of([] {
    lin::parse_etcd("INFO  jepsen.util - 0\t:invoke\t:write\t" + std::string(100000, 'x'), "e");
  });
  LOCKSTEP_ASSERT(e.size() < 300 && e.find("(100000 bytes)") != std::string::npos) << e;
  LOCKSTEP_ASSERT(lin::quote_token("a\nb") == "'a\\x0ab'");
  // Non-blank text without operations is an error naming the format it looks like; blank text
  // is the empty history.
  e = error_of([] { lin::parse_etcd("{:process 0, :type :invoke, :f :get, :key \"k\"}\n", "x"); });
  LOCKSTEP_ASSERT(e.find("x: no operations found (it looks like a kv history") == 0) << e;
  LOCKSTEP_ASSERT(lin::parse_etcd("\n \n", "x").ops.empty());
  LOCKSTEP_ASSERT(lin::parse_kv("", "x").ops.empty());
  LOCKSTEP_ASSERT(lin::detect_format(lin::read_file(etcd_path(0))) == lin::history_format::etcd);
  LOCKSTEP_ASSERT(lin::detect_format(lin::read_file(dir + "/kv/c01-ok.txt")) ==
                  lin::history_format::kv);
  LOCKSTEP_ASSERT(lin::detect_format("hello\n") == lin::history_format::unknown);
}
