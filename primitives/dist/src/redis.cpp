#include "lockstep/dist/redis.hpp"

#include <hiredis.h>
#include <sys/time.h>

#include <thread>
#include <utility>

namespace lockstep::dist {
namespace detail {

// SET ... NX PX and the fence increment run as one script, so no other command can come
// between them: if a holder could be paused between its SET and its INCR, the next owner's
// INCR could come first and the stale holder would get the larger fence.
const char* const kAcquireScript =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then "
    "  return redis.call('INCR', KEYS[2]) "
    "end "
    "return 0";
const char* const kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";
const char* const kExtendScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "end "
    "return 0";
// Redlock's second round: raises the instance's counter to the grant's fence while the grant
// still owns the key there (see redlock.hpp for why this makes fences monotonic).
const char* const kRaiseFenceScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  local c = tonumber(redis.call('GET', KEYS[2]) or '0') "
    "  if c < tonumber(ARGV[2]) then redis.call('SET', KEYS[2], ARGV[2]) end "
    "  return 1 "
    "end "
    "return 0";

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
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void redis_connection::close() {
  if (impl_->ctx) redisFree(impl_->ctx);
  impl_->ctx = nullptr;
}

void redis_connection::ensure_connected() {
  if (impl_->ctx) return;
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
      opts_(opts),
      conn_(std::move(ep), opts.io_timeout),
      backoff_(opts.retry) {}

std::optional<lease> redis_lock::try_acquire() {
  ++stats_.attempts;
  const auto start = std::chrono::steady_clock::now();
  lease l;
  l.name = name_;
  l.token = random_token();
  try {
    auto r = conn_.command({"EVAL", detail::kAcquireScript, "2", name_, name_ + ":fence", l.token,
                            std::to_string(opts_.timing.ttl.count())});
    if (r.type != redis_reply::kind::integer || r.integer <= 0) return std::nullopt;
    l.fence = static_cast<std::uint64_t>(r.integer);
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
