// Helpers shared by the tests/dist executables: where the servers are, running client threads
// with bounded loops, and collecting failures from threads (LOCKSTEP_ASSERT may only be used
// on the test's own thread).
#pragma once

#include <lockstep/test.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dist_test {

// A server this test needs is missing: a failure in CI (env CI set: the servers must really
// run there), a skip elsewhere.
[[noreturn]] inline void missing(const std::string& what) {
  if (std::getenv("CI") != nullptr) {
    LOCKSTEP_FAIL() << what << " (CI is set: server tests must not skip)";
  }
  LOCKSTEP_SKIP(what);
}

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

#ifdef LOCKSTEP_DIST_STATE_DIR
inline std::string state_dir() { return LOCKSTEP_DIST_STATE_DIR; }
#else
inline std::string state_dir() { return ""; }
#endif

// Ports of the redis-server instances started by ci/servers/redis.sh (CTest fixture, or
// ci/servers/with-servers.sh via LOCKSTEP_REDIS_STATE).
inline std::string redis_state() {
  return env_or("LOCKSTEP_REDIS_STATE", (state_dir() + "/redis").c_str());
}
inline std::vector<int> redis_ports() {
  std::ifstream in(redis_state() + "/ports");
  std::vector<int> ports;
  for (int p; in >> p;) ports.push_back(p);
  if (ports.empty()) missing("no redis-server instances (no " + redis_state() + "/ports)");
  return ports;
}

// The durable instance (appendfsync always, ci/servers/redis.sh ... durable): epoch sources.
inline std::string redis_durable_state() {
  return env_or("LOCKSTEP_REDIS_DURABLE_STATE", (state_dir() + "/redis-durable").c_str());
}
inline int redis_durable_port() {
  std::ifstream in(redis_durable_state() + "/ports");
  int p = 0;
  if (!(in >> p)) missing("no durable redis-server (no " + redis_durable_state() + "/ports)");
  return p;
}

inline std::string pg_conninfo() {
  const std::string dir = env_or("LOCKSTEP_PG_STATE", (state_dir() + "/pg").c_str());
  std::ifstream in(dir + "/conninfo");
  std::string line;
  std::getline(in, line);
  if (line.empty()) missing("no PostgreSQL cluster (no " + dir + "/conninfo)");
  return line;
}

// Runs ci/servers/redis.sh <cmd> <state> <index> [<arg>] (kill / restart an instance).
inline void redis_script(const std::string& cmd, int index, const std::string& state,
                         const std::string& arg = "") {
#ifdef LOCKSTEP_SERVERS_DIR
  const std::string dir = env_or("LOCKSTEP_SERVERS_DIR", LOCKSTEP_SERVERS_DIR);
#else
  const std::string dir = env_or("LOCKSTEP_SERVERS_DIR", "ci/servers");
#endif
  const std::string line =
      dir + "/redis.sh " + cmd + " '" + state + "' " + std::to_string(index) + " " + arg;
  const int rc = std::system(line.c_str());
  LOCKSTEP_ASSERT(rc == 0) << line << " exited with " << rc;
}
inline void redis_script(const std::string& cmd, int index) {
  redis_script(cmd, index, redis_state());
}

// Failures seen on client threads, checked on the test thread.
class failures {
 public:
  void add(std::string msg) {
    std::lock_guard g(mu_);
    if (msgs_.size() < 20) msgs_.push_back(std::move(msg));
    ++count_;
  }
  int count() const {
    std::lock_guard g(mu_);
    return count_;
  }
  std::string summary() const {
    std::lock_guard g(mu_);
    std::string s;
    for (const auto& m : msgs_) s += "\n  " + m;
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> msgs_;
  int count_ = 0;
};

// Runs body(thread_index) on n threads; an exception becomes a recorded failure.
inline void run_threads(int n, failures& f, const std::function<void(int)>& body) {
  std::vector<std::thread> ts;
  for (int i = 0; i < n; ++i) {
    ts.emplace_back([&, i] {
      try {
        body(i);
      } catch (const std::exception& e) {
        f.add("thread " + std::to_string(i) + ": " + e.what());
      }
    });
  }
  for (auto& t : ts) t.join();
}

}  // namespace dist_test
