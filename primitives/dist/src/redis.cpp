#include "lockstep/dist/redis.hpp"

#include "lockstep/dist/epoch.hpp"

#include <hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <thread>
#include <utility>

namespace lockstep::dist {
namespace detail {

// SET ... NX PX and the fence increment run as one script, so no other command can come
// between them: if a holder could be paused between its SET and its INCR, the next owner's
// INCR could come first and the stale holder would get the larger fence. A missing fence
// state (first use, or lost data) is handled per ARGV[3]: "source" reports it ({-1, 0}: the
// client installs a durable epoch before using the grant), "clock" starts a new epoch at
// the server's clock (TIME, seconds since Unix time 1.7e9 = 2023-11-14, so that fences stay
// below 2^63 until 2091), "none" uses epoch 0.
// (Integers stay far below 2^53, so Lua's doubles hold them exactly.)
const char* const kAcquireScript =
    "if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0, 0} end "
    "local e = redis.call('HGET', KEYS[2], 'e') "
    "if not e then "
    "  if ARGV[3] == 'source' then return {-1, 0} end "
    "  e = '0' "
    "  if ARGV[3] == 'clock' then "
    "    local t = tonumber(redis.call('TIME')[1]) - 1700000000 "
    "    if t < 1 then t = 1 end "
    "    e = string.format('%d', t) "
    "    redis.call('HSET', KEYS[2], 'e', e, 'c', '0') "
    "  end "
    "end "
    "return {tonumber(e), redis.call('HINCRBY', KEYS[2], 'c', 1)}";
// Owner-checked: only the grant that found the state missing (and still owns the key) may
// install its epoch; a larger epoch already there wins (the counter then simply goes on).
const char* const kInstallEpochScript =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0, 0} end "
    "local e = tonumber(redis.call('HGET', KEYS[2], 'e') or '-1') "
    "local n = tonumber(ARGV[2]) "
    "if e < n then redis.call('HSET', KEYS[2], 'e', ARGV[2], 'c', '0') e = n end "
    "return {e, redis.call('HINCRBY', KEYS[2], 'c', 1)}";
const char* const kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";
const char* const kExtendScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "end "
    "return 0";
// Redlock's second round: raises the instance's (epoch, counter) to the grant's fence while
// the grant still owns the key there (see redlock.hpp for why this makes fences monotonic).
const char* const kRaiseFenceScript =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
    "local e = tonumber(redis.call('HGET', KEYS[2], 'e') or '-1') "
    "local c = tonumber(redis.call('HGET', KEYS[2], 'c') or '0') "
    "local fe, fc = tonumber(ARGV[2]), tonumber(ARGV[3]) "
    "if e < fe or (e == fe and c < fc) then "
    "  redis.call('HSET', KEYS[2], 'e', ARGV[2], 'c', ARGV[3]) "
    "end "
    "return 1";

namespace {
std::optional<fence_reply> to_fence_reply(const redis_reply& r) {
  if (r.type != redis_reply::kind::array || r.elements.size() != 2) return std::nullopt;
  const auto& e = r.elements[0];
  const auto& c = r.elements[1];
  if (e.type != redis_reply::kind::integer || c.type != redis_reply::kind::integer) {
    return std::nullopt;
  }
  if (e.integer == 0 && c.integer == 0) return std::nullopt;
  return fence_reply{e.integer, c.integer};
}
}  // namespace

std::optional<fence_reply> acquire_script(redis_connection& c, const std::string& name,
                                          const std::string& token, std::chrono::milliseconds ttl,
                                          epoch_mode mode) {
  const char* m = mode == epoch_mode::source  ? "source"
                  : mode == epoch_mode::clock ? "clock"
                                              : "none";
  return to_fence_reply(c.command({"EVAL", kAcquireScript, "2", name, fencing_key(name), token,
                                   std::to_string(ttl.count()), m}));
}

std::optional<fence_reply> install_epoch(redis_connection& c, const std::string& name,
                                         const std::string& token, std::uint64_t epoch) {
  return to_fence_reply(c.command(
      {"EVAL", kInstallEpochScript, "2", name, fencing_key(name), token, std::to_string(epoch)}));
}

std::optional<std::uint64_t> make_fence(long long epoch, long long counter) {
  constexpr long long kMax = 0xffff'ffffLL;
  if (epoch < 0 || epoch > kMax || counter <= 0 || counter > kMax) return std::nullopt;
  return (static_cast<std::uint64_t>(epoch) << 32) | static_cast<std::uint64_t>(counter);
}

}  // namespace detail

std::chrono::milliseconds lease_timing::drift(std::chrono::milliseconds length) const {
  return std::chrono::milliseconds{
             static_cast<long long>(static_cast<double>(length.count()) * drift_factor)} +
         drift_min;
}

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

redis_reply convert(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = redis_reply::kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = redis_reply::kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = redis_reply::kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = redis_reply::kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = redis_reply::kind::array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = redis_reply::kind::nil;
  }
  return out;
}

}  // namespace

struct redis_connection::impl {
  redisContext* ctx = nullptr;
};

redis_connection::redis_connection(redis_endpoint ep, std::chrono::milliseconds timeout)
    : ep_(std::move(ep)), timeout_(timeout), impl_(std::make_unique<impl>()) {}

redis_connection::~redis_connection() {
  if (impl_) close();
}
redis_connection::redis_connection(redis_connection&&) noexcept = default;
redis_connection& redis_connection::operator=(redis_connection&& other) noexcept {
  if (this != &other) {
    if (impl_) close();  // the context this object owned would leak otherwise
    ep_ = std::move(other.ep_);
    timeout_ = other.timeout_;
    min_uptime_ = other.min_uptime_;
    not_before_ = other.not_before_;
    generation_ = other.generation_;
    run_id_ = std::move(other.run_id_);
    run_id_changes_ = other.run_id_changes_;
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void redis_connection::check_uptime() {
  auto r = command({"INFO", "server"});
  std::string run_id;
  long long uptime = -1;
  std::size_t pos = 0;
  while (pos < r.str.size()) {
    std::size_t end = r.str.find('\n', pos);
    if (end == std::string::npos) end = r.str.size();
    std::string line = r.str.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("run_id:", 0) == 0) run_id = line.substr(7);
    if (line.rfind("uptime_in_seconds:", 0) == 0) uptime = std::stoll(line.substr(18));
    pos = end + 1;
  }
  if (run_id.empty() || uptime < 0) {
    close();
    throw redis_error("redis: INFO server without run_id/uptime_in_seconds");
  }
  if (!run_id_.empty() && run_id != run_id_) ++run_id_changes_;
  run_id_ = run_id;
  if (uptime * 1000 < min_uptime_.count()) {
    // uptime_in_seconds is rounded down: the server has been up for less than uptime + 1 s.
    const auto wait = min_uptime_ - std::chrono::milliseconds{(uptime + 1) * 1000};
    not_before_ = std::chrono::steady_clock::now() + std::max(std::chrono::milliseconds{0}, wait);
    close();
    throw redis_restarted_recently("redis " + ep_.host + ":" + std::to_string(ep_.port) +
                                   ": up for " + std::to_string(uptime) + " s, less than " +
                                   std::to_string(min_uptime_.count()) +
                                   " ms: it may have lost a live lease (restart guard)");
  }
}

void redis_connection::close() {
  if (impl_->ctx) redisFree(impl_->ctx);
  impl_->ctx = nullptr;
}

void redis_connection::ensure_connected() {
  if (impl_->ctx) return;
  if (min_uptime_.count() > 0 && std::chrono::steady_clock::now() < not_before_) {
    throw redis_restarted_recently("redis " + ep_.host + ":" + std::to_string(ep_.port) +
                                   ": refused by the restart guard (up for less than " +
                                   std::to_string(min_uptime_.count()) + " ms)");
  }
  redisContext* c = redisConnectWithTimeout(ep_.host.c_str(), ep_.port, to_timeval(timeout_));
  if (c == nullptr) throw redis_error("redis: out of memory allocating a context");
  if (c->err) {
    std::string msg = "redis " + ep_.host + ":" + std::to_string(ep_.port) + ": " + c->errstr;
    redisFree(c);
    throw redis_error(msg);
  }
  if (redisSetTimeout(c, to_timeval(timeout_)) != REDIS_OK) {
    redisFree(c);
    throw redis_error("redis: cannot set the command timeout");
  }
  impl_->ctx = c;
  ++generation_;
  if (min_uptime_.count() > 0) check_uptime();  // runs INFO on the new context
}

redis_reply redis_connection::command(const std::vector<std::string>& args) {
  ensure_connected();
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(impl_->ctx, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (r == nullptr) {
    // I/O error or timeout: hiredis marks the context unusable; reconnect next time.
    std::string msg = "redis " + ep_.host + ":" + std::to_string(ep_.port) + ": " +
                      (impl_->ctx->err ? impl_->ctx->errstr : "no reply");
    close();
    throw redis_error(msg);
  }
  redis_reply out = convert(r);
  freeReplyObject(r);
  if (out.type == redis_reply::kind::error) throw redis_error("redis error reply: " + out.str);
  return out;
}

redis_lock::redis_lock(redis_endpoint ep, std::string name, redis_lock_options opts)
    : name_(std::move(name)),
      opts_(std::move(opts)),
      conn_(std::move(ep), opts_.io_timeout),
      backoff_(opts_.retry) {
  if (opts_.restart_guard) {
    conn_.set_min_uptime(opts_.timing.ttl + opts_.timing.drift(opts_.timing.ttl));
  }
}

std::optional<lease> redis_lock::try_acquire() {
  ++stats_.attempts;
  const auto start = std::chrono::steady_clock::now();
  lease l;
  l.name = name_;
  l.token = random_token();
  try {
    auto r = detail::acquire_script(conn_, name_, l.token, opts_.timing.ttl,
                                    detail::mode_of(opts_.epochs.get(), opts_.clock_epochs));
    if (!r) return std::nullopt;
    if (r->epoch < 0) {
      // The fence state is missing: first use of the name, or the server lost its data.
      ++stats_.epochs_installed;
      std::uint64_t epoch = 0;
      try {
        epoch = opts_.epochs->next_epoch(name_);
      } catch (const std::exception&) {
        ++stats_.errors;
        release(l);  // no durable epoch, no grant
        return std::nullopt;
      }
      r = detail::install_epoch(conn_, name_, l.token, epoch);
      if (!r) return std::nullopt;  // lost the key meanwhile
    }
    auto fence = detail::make_fence(r->epoch, r->counter);
    if (!fence) {
      release(l);
      return std::nullopt;
    }
    l.fence = *fence;
  } catch (const redis_restarted_recently&) {
    ++stats_.refused_recent_restart;
    return std::nullopt;
  } catch (const redis_error&) {
    // Unknown outcome: the key may have been set. It expires after ttl; nobody else can
    // release it because nobody else has the token.
    ++stats_.errors;
    return std::nullopt;
  }
  l.valid_until = start + opts_.timing.ttl - opts_.timing.drift(opts_.timing.ttl);
  ++stats_.acquired;
  return l;
}

std::optional<lease> redis_lock::acquire(std::chrono::milliseconds timeout) {
  return retry_for(timeout, backoff_, [this] { return try_acquire(); });
}

bool redis_lock::release(const lease& l) {
  try {
    auto r = conn_.command({"EVAL", detail::kReleaseScript, "1", l.name, l.token});
    return r.type == redis_reply::kind::integer && r.integer == 1;
  } catch (const redis_error&) {
    ++stats_.errors;
    return false;
  }
}

bool redis_lock::extend(lease& l, std::chrono::milliseconds ttl) {
  const auto start = std::chrono::steady_clock::now();
  try {
    auto r = conn_.command(
        {"EVAL", detail::kExtendScript, "1", l.name, l.token, std::to_string(ttl.count())});
    if (r.type != redis_reply::kind::integer || r.integer != 1) return false;
  } catch (const redis_error&) {
    ++stats_.errors;
    return false;
  }
  l.valid_until = start + ttl - opts_.timing.drift(ttl);
  return true;
}

}  // namespace lockstep::dist
