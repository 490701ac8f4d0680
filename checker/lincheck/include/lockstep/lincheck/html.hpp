// lockstep/lincheck/html.hpp — a self-contained HTML page visualising a lin::check result.
//
// Guarantees
//   * lin::to_html(model, history, result, label) returns one HTML document with inline CSS and
//     JavaScript and no external references: it opens offline in any browser.
//   * Swimlanes, one per client: every operation is a bar from its call to its return (open
//     operations run to the end of the history and are hatched), labelled with label(op).
//     Time is drawn by rank (the i-th distinct timestamp at column i), so real-time order is
//     exact and idle gaps do not waste space.
//   * Linearizable: every linearized operation is green, numbered with its position in the
//     order, and has a vertical linearization-point line inside its bar (points increase with
//     the order and lie inside each bar, i.e. they are a witness). Not linearizable: the
//     longest linearizable prefix is drawn the same way, the operations that could not be placed
//     are red (dark red: could come right after the prefix but the model rejects them there),
//     and a summary box lists them (links jump to the bar).
//   * Models with partition() get one section per partition with its own verdict: lin::check
//     reports only the first failing partition, so the others are re-checked here (with
//     html_options::check as budget; a partition that exceeds it is shown as "unknown"). A
//     linearizable result is split by partition without re-checking.
//   * All text from the history and from label() is HTML-escaped (`<`, `>`, `&`, quotes), so a
//     hostile value cannot inject markup or script.
//   * Models with static describe_state(state) (models::register_model, models::kv) show the
//     state after each operation of the order / longest prefix in its hover text.
//   * Not linearizable: for each unplaced operation (blocking ones first, up to
//     html_options::max_partials) a partial linearization that contains it is searched; hovering
//     the operation highlights it (or says that none exists), so every unplaced operation shows
//     where it could go, not only the longest prefix.
//   * Large histories stay usable: bars are absolutely positioned divs whose coordinates are CSS
//     expressions of one zoom variable (a slider and a "fit" button change it without touching
//     the bars), sections scroll horizontally with the client names pinned, and details show in
//     a hover tooltip instead of on the bars.
//
// Usage
//   lin::result r = lin::check(M{}, h);
//   std::ofstream("out.html") << lin::to_html(M{}, h, r, [](const auto& op) {
//     return my_text(op.input) + (op.output ? " -> " + my_text(*op.output) : "");
//   });
//   // Models with static describe(input, optional<output>) (models::set, models::lru_cache)
//   // need no label function: lin::to_html(M{}, h, r).
#pragma once

#include <lockstep/html/page.hpp>
#include <lockstep/lincheck/lincheck.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep::lin {

struct html_options {
  std::string title = "lockstep lincheck";
  // Budget for re-checking the partitions lin::check did not report on (it stops at the
  // first failing one). Small on purpose: a large failing partition can take exponential time,
  // and a picture should not; partitions over budget are drawn as "unknown".
  options check = {.max_cache = 250'000};
  // Failure: unplaced operations (blocking ones first) for which a partial linearization that
  // contains them is searched (one lin::check each, budget `check`), shown on hover; none for
  // sections of more than max_partial_ops operations.
  std::size_t max_partials = 20;
  std::size_t max_partial_ops = 20'000;
};

namespace html_detail {

// HTML escaping and the page shell are shared with the failing-execution view of the
// model checker (lockstep/html/page.hpp).
using markup::escape;

inline std::string time_text(std::uint64_t t) {
  return t == open_time ? "open" : std::to_string(t);
}

inline const char* verdict_text(verdict v) {
  switch (v) {
    case verdict::linearizable:
      return "linearizable";
    case verdict::not_linearizable:
      return "NOT linearizable";
    case verdict::unknown:
      return "unknown (search budget exceeded)";
  }
  return "?";
}

inline const char* verdict_class(verdict v) {
  return v == verdict::linearizable ? "ok" : v == verdict::not_linearizable ? "bad" : "unk";
}

// Fixed-point text for a CSS number (rank positions are multiples of small fractions).
inline std::string num(double x) {
  std::ostringstream os;
  os.precision(6);
  os << x;
  return os.str();
}

// One drawn section: the operations of one partition (global indices) and their result.
struct section {
  std::vector<std::size_t> ops;
  result res;
  std::vector<std::size_t> blocking;  // failure: frontier operations the model rejects
  // Model state after each operation of the order / longest prefix (models with
  // describe_state), by global op index; empty when the model has none.
  std::vector<std::string> state_after;
  // Failure: for each unplaced operation examined (by global index), a partial linearization
  // that contains it (empty vector: none exists), see partial_linearization.
  std::vector<std::pair<std::size_t, std::vector<std::size_t>>> partials;
  std::size_t partials_skipped = 0;  // unplaced operations not examined (over the cap)
};

// A model that can describe its states: static describe_state(state) -> string.
template <class M>
concept describes_states = requires(const typename M::state_type& st) {
  { M::describe_state(st) } -> std::convertible_to<std::string>;
};

template <class M>
void describe_states(const M& m, const history<M>& h, section& s) {
  if constexpr (describes_states<M>) {
    const auto& seq = s.res.verdict_ == verdict::linearizable ? s.res.order : s.res.longest_prefix;
    if (seq.empty()) return;
    s.state_after.assign(h.ops.size(), std::string());
    auto st = m.init();
    for (auto i : seq) {
      auto n = m.step(st, h.ops[i].input, h.ops[i].output);
      if (!n) return;  // not a valid sequence: say nothing
      st = std::move(*n);
      s.state_after[i] = M::describe_state(st);
    }
  }
}

// A partial linearization that contains operation u (global index) of section s: a sequence
// the model accepts, in real-time order, closed under "must precede" (with an operation it
// holds every operation that returned before that one was invoked). Returns an empty vector
// if none exists, nullopt when the search budget ran out or there were too many cut points.
//
// The part of such a sequence up to u has its latest invocation at some time c in
// [u.call, u.ret]; conversely every linearization of the history cut at c (operations invoked
// by c; those that returned before c completed, the rest optional: open, recorded output
// kept), with u completed, is one. So the invocation times c in u's interval are tried in
// order, one lin::check each, and the first that succeeds gives the witness.
template <class M>
std::optional<std::vector<std::size_t>> partial_linearization(const M& m, const history<M>& h,
                                                              const section& s, std::size_t u,
                                                              const options& budget) {
  const auto& ou = h.ops[u];
  std::vector<std::uint64_t> cuts;
  for (auto i : s.ops)
    if (h.ops[i].call >= ou.call && h.ops[i].call <= ou.ret) cuts.push_back(h.ops[i].call);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  if (cuts.size() > 64) return std::nullopt;
  for (const std::uint64_t c : cuts) {
    history<M> sub;
    std::vector<std::size_t> global;
    for (auto i : s.ops) {
      const auto& o = h.ops[i];
      if (o.call > c) continue;
      auto x = o;
      if (i != u && !(o.ret < c)) x.ret = open_time;  // optional: may or may not be in it
      sub.ops.push_back(std::move(x));
      global.push_back(i);
    }
    const result r = check(m, sub, budget);
    if (r.verdict_ == verdict::unknown) return std::nullopt;
    if (r.verdict_ != verdict::linearizable) continue;
    std::vector<std::size_t> out;
    for (auto i : r.order) out.push_back(global[i]);
    return out;
  }
  return std::vector<std::size_t>{};
}

// The operations that could come right after the longest prefix in real-time order (invoked
// before any remaining completed operation returned) and that the model rejects in the state
// the prefix leaves. The prefix is maximal, so on failure every completed frontier operation
// is rejected: these are the operations that contradict the prefix, the best place to start
// reading a counterexample.
template <class M>
std::vector<std::size_t> blocking_ops(const M& m, const history<M>& h, const section& s) {
  if (s.res.verdict_ != verdict::not_linearizable) return {};
  std::vector<bool> in(h.ops.size(), false);
  auto st = m.init();
  for (auto i : s.res.longest_prefix) {
    in[i] = true;
    auto n = m.step(st, h.ops[i].input, h.ops[i].output);
    if (!n) return {};  // not a valid prefix: nothing sensible to say
    st = std::move(*n);
  }
  std::uint64_t first_ret = open_time;
  for (auto i : s.ops)
    if (!in[i]) first_ret = std::min(first_ret, h.ops[i].ret);
  std::vector<std::size_t> out;
  for (auto i : s.ops)
    if (!in[i] && !h.ops[i].open() && h.ops[i].call <= first_ret &&
        !m.step(st, h.ops[i].input, h.ops[i].output))
      out.push_back(i);
  return out;
}

// The chart's own style (the rest is html::base_style).
constexpr const char* style = R"(
:root{--u:16px}
.scroll{overflow-x:auto;overflow-y:hidden;padding-bottom:6px}
.chart{position:relative;padding-right:40px}
.lane{display:flex;border-bottom:1px solid #eee}
.who{position:sticky;left:0;z-index:3;flex:0 0 90px;background:#fff;border-right:1px solid #ddd;padding:3px 6px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.track{position:relative;flex:0 0 auto}
.axis .track{height:18px;color:#888;font-size:11px}
.tick{position:absolute;left:calc(var(--a)*var(--u));border-left:1px solid #ccc;padding-left:2px;height:18px;white-space:nowrap}
.op{position:absolute;left:calc(var(--a)*var(--u) + 1px);width:calc((var(--b) - var(--a))*var(--u) - 2px);min-width:3px;height:20px;box-sizing:border-box;border:1px solid #888;border-radius:3px;background:#e4e4e4;font-size:12px;line-height:18px;padding:0 3px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:default}
.op.lin{background:#b9e4c0;border-color:#2e7d32}
.op.unplaced{background:#f6b2ac;border-color:#c62828;border-width:2px;font-weight:600}
.op.blocking{background:#e53935;color:#fff;border-color:#7f0000}
.op.open{border-style:dashed;background-image:repeating-linear-gradient(45deg,rgba(255,255,255,.75) 0 4px,transparent 4px 8px)}
.op{display:flex}.op .t{overflow:hidden;text-overflow:ellipsis;min-width:0}
.op .n{flex:none;font-weight:700;margin-right:3px;color:#1b5e20}
.op .lp{position:absolute;top:-1px;bottom:-1px;left:calc(var(--p)*var(--u) - 1px);width:0;border-left:2px solid #1b5e20;pointer-events:none}
.op:hover .t{overflow:visible}
.op:hover,.op.hl{outline:2px solid #1565c0;z-index:2;overflow:visible;background-color:#fff}
.op:target{outline:3px solid #ff6f00}
)";

constexpr const char* script = R"(
(function(){
  var root=document.documentElement, z=document.getElementById('zoom'), out=document.getElementById('zoomv');
  function setU(v){v=Math.max(0.25,Math.min(80,v));root.style.setProperty('--u',v+'px');z.value=v;out.textContent=(+v).toFixed(2)+' px/step';}
  z.addEventListener('input',function(){setU(+z.value);});
  document.getElementById('fit').addEventListener('click',function(){
    var max=1;document.querySelectorAll('.chart').forEach(function(c){max=Math.max(max,+c.dataset.steps);});
    setU((document.body.clientWidth-160)/max);});
  // The tooltip is html::tooltip_script's; hovering also lights up a partial linearization.
  var lit=[];
  document.addEventListener('mouseover',function(e){
    lit.forEach(function(b){b.classList.remove('hl');}); lit=[];
    var o=e.target.closest('.op'); if(!o)return;
    if(o.dataset.partial) o.dataset.partial.split(' ').forEach(function(i){
      var b=document.getElementById('op'+i); if(b){b.classList.add('hl');lit.push(b);}});});
  setU(+z.value);
})();
)";

// Linearization points (in rank units) of a sequence of operations: the running maximum of the
// call ranks is a valid point for each (an earlier-ordered op never starts after a later one
// returns); operations sharing the same maximum are spread evenly inside the next step.
inline std::vector<double> linearization_points(const std::vector<double>& call_rank,
                                                const std::vector<double>& end_rank) {
  const std::size_t n = call_rank.size();
  std::vector<double> m(n), p(n);
  double cur = -1;
  for (std::size_t k = 0; k < n; ++k) m[k] = cur = std::max(cur, call_rank[k]);
  for (std::size_t k = 0; k < n;) {
    std::size_t j = k;
    while (j < n && m[j] == m[k]) ++j;
    for (std::size_t t = k; t < j; ++t) {
      double x = m[k] + static_cast<double>(t - k + 1) / static_cast<double>(j - k + 1);
      p[t] = std::min(x, end_rank[t]);
    }
    k = j;
  }
  return p;
}

// Prefix length, the blocking operations and the list of unplaced ones (failure only).
template <class M, class Label>
void failure_details(std::ostringstream& os, const history<M>& h, const section& s, Label& label) {
  if (s.res.verdict_ != verdict::not_linearizable) return;
  auto item = [&](std::size_t i) {
    os << "<li><a href=\"#op" << i << "\">op " << i << "</a> client " << h.ops[i].client << ": "
       << escape(label(h.ops[i])) << " [" << time_text(h.ops[i].call) << ", "
       << time_text(h.ops[i].ret) << "]</li>";
  };
  os << "<div>Longest linearizable prefix: " << s.res.longest_prefix.size()
     << " operations (green, numbered). " << s.res.unplaced.size()
     << " completed operations could not be placed after it (red).</div>";
  if (!s.blocking.empty()) {
    os << "<div>The prefix cannot be extended: each operation that could come next is "
          "rejected by the model (dark red):</div><ul>";
    for (auto i : s.blocking) item(i);
    os << "</ul>";
  }
  if (!s.partials.empty() || s.partials_skipped)
    os << "<div>Hover an unplaced operation to highlight a partial linearization that contains "
          "it ("
       << s.partials.size() << " examined"
       << (s.partials_skipped ? ", " + std::to_string(s.partials_skipped) + " not examined" : "")
       << ").</div>";
  os << "<details><summary>all " << s.res.unplaced.size()
     << " operations that could not be placed</summary><ul>";
  for (auto i : s.res.unplaced) item(i);
  os << "</ul></details>";
}

template <class M, class Label>
void render_section(std::ostringstream& os, const history<M>& h, const section& s,
                    std::size_t number, std::size_t count, Label& label) {
  // Time ranks of this section's events.
  std::vector<std::uint64_t> times;
  for (auto i : s.ops) {
    times.push_back(h.ops[i].call);
    if (!h.ops[i].open()) times.push_back(h.ops[i].ret);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  const double end = static_cast<double>(times.size());  // where open operations stop
  auto rank = [&](std::uint64_t t) {
    return static_cast<double>(std::lower_bound(times.begin(), times.end(), t) - times.begin());
  };
  auto a_of = [&](std::size_t i) { return rank(h.ops[i].call); };
  auto b_of = [&](std::size_t i) {
    return h.ops[i].open() ? end : std::max(rank(h.ops[i].ret), a_of(i) + 0.5);
  };

  // Status of each operation: position in the order / prefix (1-based), unplaced, or neither.
  const bool ok = s.res.verdict_ == verdict::linearizable;
  const std::vector<std::size_t>& seq = ok ? s.res.order : s.res.longest_prefix;
  const bool drawn_seq = s.res.verdict_ != verdict::unknown;
  std::vector<std::size_t> pos(h.ops.size(), 0);
  std::vector<double> point(h.ops.size(), -1);
  if (drawn_seq) {
    std::vector<double> ca, eb;
    for (auto i : seq) {
      ca.push_back(a_of(i));
      eb.push_back(b_of(i));
    }
    auto p = linearization_points(ca, eb);
    for (std::size_t k = 0; k < seq.size(); ++k) {
      pos[seq[k]] = k + 1;
      point[seq[k]] = p[k];
    }
  }
  std::vector<char> unplaced(h.ops.size(), 0);  // 1 unplaced, 2 unplaced and blocking
  for (auto i : s.res.unplaced) unplaced[i] = 1;
  for (auto i : s.blocking) unplaced[i] = 2;

  // Lanes: one per client, split into rows where a client's operations overlap.
  std::vector<std::size_t> by_client = s.ops;
  std::stable_sort(by_client.begin(), by_client.end(), [&](std::size_t x, std::size_t y) {
    return h.ops[x].client != h.ops[y].client ? h.ops[x].client < h.ops[y].client
                                              : h.ops[x].call < h.ops[y].call;
  });
  std::size_t clients = 0;
  for (std::size_t k = 0; k < by_client.size(); ++k)
    if (k == 0 || h.ops[by_client[k]].client != h.ops[by_client[k - 1]].client) ++clients;

  os << "<section id=\"part" << number << "\"><h2>";
  if (count > 1) os << "Partition " << number << " of " << count << " &mdash; ";
  os << s.ops.size() << " operations, " << clients << " clients &mdash; <span class=\"v "
     << verdict_class(s.res.verdict_) << "\">" << verdict_text(s.res.verdict_) << "</span>";
  if (count > 1 && !s.ops.empty()) os << " &mdash; first: " << escape(label(h.ops[s.ops.front()]));
  os << "</h2>";
  if (count > 1 && s.res.verdict_ == verdict::not_linearizable) {
    os << "<div class=\"details\">";
    failure_details(os, h, s, label);
    os << "</div>";
  }
  os << "<div class=\"scroll\"><div class=\"chart\" data-steps=\"" << times.size() + 1
     << "\" style=\"width:calc(" << times.size() + 1 << "*var(--u) + 130px)\">";
  // Axis: original timestamps every few steps.
  const std::size_t every = times.size() > 200 ? 20 : times.size() > 40 ? 10 : 1;
  os << "<div class=\"lane axis\"><div class=\"who\">time</div><div class=\"track\">";
  for (std::size_t r = 0; r < times.size(); r += every)
    os << "<span class=\"tick\" style=\"--a:" << r << "\">" << times[r] << "</span>";
  os << "</div></div>\n";

  for (std::size_t k = 0; k < by_client.size();) {
    std::size_t j = k;
    const int client = h.ops[by_client[k]].client;
    while (j < by_client.size() && h.ops[by_client[j]].client == client) ++j;
    std::vector<double> row_end;  // greedy interval colouring
    std::vector<std::size_t> row_of(j - k);
    for (std::size_t t = k; t < j; ++t) {
      const double a = a_of(by_client[t]);
      std::size_t r = 0;
      while (r < row_end.size() && row_end[r] > a) ++r;
      if (r == row_end.size()) row_end.push_back(0);
      row_end[r] = b_of(by_client[t]);
      row_of[t - k] = r;
    }
    os << "<div class=\"lane\"><div class=\"who\">client " << client
       << "</div><div class=\"track\" style=\"height:" << row_end.size() * 24 + 2 << "px\">";
    for (std::size_t t = k; t < j; ++t) {
      const std::size_t i = by_client[t];
      const auto& o = h.ops[i];
      const std::string text = label(o);
      const double a = a_of(i), b = b_of(i);
      std::string cls = "op";
      std::string status;
      if (pos[i]) {
        cls += " lin";
        status = (ok ? "linearized as #" : "in the longest linearizable prefix as #") +
                 std::to_string(pos[i]);
      } else if (unplaced[i] == 2) {
        cls += " unplaced blocking";
        status =
            "could NOT be placed: could come next after the prefix, but the model rejects "
            "it there";
      } else if (unplaced[i]) {
        cls += " unplaced";
        status = "could NOT be placed (not in the longest linearizable prefix)";
      } else if (s.res.verdict_ == verdict::unknown) {
        status = "undecided (search budget exceeded)";
      } else {
        status = o.open() ? "open; never took effect" : "not reached by the prefix";
      }
      if (o.open()) cls += " open";
      std::string tip = "op " + std::to_string(i) + " \xC2\xB7 client " + std::to_string(o.client) +
                        "\n" + text + "\ncall " + time_text(o.call) + ", return " +
                        time_text(o.ret) + "\n" + status;
      if (pos[i] && !s.state_after.empty() && !s.state_after[i].empty())
        tip += "\nstate after it: " + s.state_after[i];
      std::string partial;  // space-separated op ids of a partial linearization containing i
      for (const auto& [u, part] : s.partials) {
        if (u != i) continue;
        if (part.empty()) {
          tip +=
              "\nno partial linearization contains it: it contradicts the operations that "
              "must precede it";
        } else {
          tip += "\na partial linearization of " + std::to_string(part.size()) +
                 " operations contains it (highlighted):";
          for (std::size_t q = 0; q < part.size(); ++q) {
            partial += (q ? " " : "") + std::to_string(part[q]);
            if (q < 12) tip += (q ? ", " : " ") + std::string("op ") + std::to_string(part[q]);
          }
          if (part.size() > 12) tip += ", ...";
        }
      }
      os << "<div class=\"" << cls << "\" id=\"op" << i << "\" style=\"--a:" << num(a)
         << ";--b:" << num(b) << ";top:" << row_of[t - k] * 24 + 2 << "px\" data-tip=\""
         << escape(tip) << "\"";
      if (!partial.empty()) os << " data-partial=\"" << partial << "\"";
      os << ">";
      if (pos[i]) os << "<span class=\"n\">" << pos[i] << "</span>";
      os << "<span class=\"t\">" << escape(text) << "</span>";
      if (pos[i]) os << "<i class=\"lp\" style=\"--p:" << num(point[i] - a) << "\"></i>";
      os << "</div>";
    }
    os << "</div></div>\n";
    k = j;
  }
  os << "</div></div></section>\n";
}

template <class M>
using op_of = operation<typename M::input_type, typename M::output_type>;

// A label function for M's operations.
template <class L, class M>
concept op_label = requires(L& label, const op_of<M>& o) {
  { label(o) } -> std::convertible_to<std::string>;
};

// A model whose operations label themselves.
template <class M>
concept self_describing = model<M> &&
    requires(const typename M::input_type& in, const std::optional<typename M::output_type>& out) {
  { M::describe(in, out) } -> std::convertible_to<std::string>;
};

}  // namespace html_detail

// See the header comment. `label(op)` gives the text of one operation (input and, if any,
// output); `r` must be lin::check(m, h)'s result.
template <model M, html_detail::op_label<M> Label>
std::string to_html(const M& m, const history<M>& h, const result& r, Label label,
                    const html_options& opt = {}) {
  using namespace html_detail;
  std::vector<section> sections;
  std::vector<std::vector<std::size_t>> parts;
  if constexpr (requires { m.partition(h); }) parts = m.partition(h);
  if (parts.size() > 1) {
    // Which partition each operation is in; r already decides some partitions.
    std::vector<std::size_t> part_of(h.ops.size(), 0);
    for (std::size_t k = 0; k < parts.size(); ++k)
      for (auto i : parts[k]) part_of[i] = k;
    const bool failing = r.verdict_ == verdict::not_linearizable && !r.unplaced.empty();
    const std::size_t reported = failing ? part_of[r.unplaced.front()] : parts.size();
    for (std::size_t k = 0; k < parts.size(); ++k) {
      auto& p = parts[k];
      result sr;
      if (r.verdict_ == verdict::linearizable || k == reported) {
        // r.order merges the partitions' orders; r's failure is about one partition.
        sr.verdict_ = r.verdict_;
        auto mine = [&](const std::vector<std::size_t>& v) {
          std::vector<std::size_t> o;
          for (auto i : v)
            if (part_of[i] == k) o.push_back(i);
          return o;
        };
        sr.order = mine(r.order);
        sr.longest_prefix = mine(r.longest_prefix);
        sr.unplaced = mine(r.unplaced);
      } else {
        history<M> sub;
        for (auto i : p) sub.ops.push_back(h.ops[i]);
        sr = check(m, sub, opt.check);
        for (auto* v : {&sr.order, &sr.longest_prefix, &sr.unplaced})
          for (auto& i : *v) i = p[i];
      }
      sections.push_back({std::move(p), std::move(sr), {}});
    }
  } else {
    section s;
    for (std::size_t i = 0; i < h.ops.size(); ++i) s.ops.push_back(i);
    s.res = r;
    sections.push_back(std::move(s));
  }
  for (auto& s : sections) {
    s.blocking = blocking_ops(m, h, s);
    describe_states(m, h, s);
    if (s.res.verdict_ != verdict::not_linearizable) continue;
    // Partial linearizations of the unplaced operations: the blocking ones first, then the
    // rest, up to opt.max_partials per section.
    std::vector<std::size_t> todo = s.blocking;
    for (auto i : s.res.unplaced)
      if (std::find(todo.begin(), todo.end(), i) == todo.end()) todo.push_back(i);
    const std::size_t cap = s.ops.size() > opt.max_partial_ops ? 0 : opt.max_partials;
    if (todo.size() > cap) {
      s.partials_skipped = todo.size() - cap;
      todo.resize(cap);
    }
    for (auto u : todo)
      if (auto p = partial_linearization(m, h, s, u, opt.check)) s.partials.emplace_back(u, *p);
  }

  std::size_t open = 0;
  std::vector<int> clients;
  for (const auto& o : h.ops) {
    open += o.open();
    clients.push_back(o.client);
  }
  std::sort(clients.begin(), clients.end());
  clients.erase(std::unique(clients.begin(), clients.end()), clients.end());

  std::ostringstream os;
  os << html::page_begin(opt.title, style) << "<header><h1>" << escape(opt.title)
     << "</h1><label>zoom <input id=\"zoom\" type=\"range\" min=\"0.25\" max=\"80\" step=\"0.25\" "
        "value=\""
     << (h.ops.size() > 2000 ? 12 : 28)
     << "\"></label><output id=\"zoomv\"></output><button id=\"fit\" type=\"button\">fit to "
        "width</button></header>\n";

  // Summary box.
  os << "<div class=\"summary " << verdict_class(r.verdict_) << "\"><div class=\"verdict\">"
     << verdict_text(r.verdict_) << "</div><div>" << h.ops.size() << " operations ("
     << h.ops.size() - open << " completed, " << open << " open), " << clients.size() << " clients";
  if (sections.size() > 1) {
    std::size_t failing = 0, unknown = 0;
    for (auto& s : sections) {
      failing += s.res.verdict_ == verdict::not_linearizable;
      unknown += s.res.verdict_ == verdict::unknown;
    }
    os << ", " << sections.size() << " partitions (" << failing << " not linearizable";
    if (unknown) os << ", " << unknown << " unknown: over the visualisation's search budget";
    os << ")";
  }
  os << ".</div>";
  if (r.verdict_ == verdict::unknown)
    os << "<div>The check stopped: " << stop_text(r.stopped) << ", after exploring "
       << r.stats.configurations << " configurations and " << r.stats.states << " states ("
       << r.stats.partitions_done << " of " << r.stats.partitions << " partitions decided).</div>";
  if (sections.size() == 1) {
    failure_details(os, h, sections[0], label);
  } else {
    // One line per partition that is not linearizable; details sit at the top of its section.
    os << "<ul>";
    for (std::size_t k = 0; k < sections.size(); ++k) {
      const auto& s = sections[k];
      if (s.res.verdict_ == verdict::linearizable) continue;
      os << "<li><a href=\"#part" << k + 1 << "\">Partition " << k + 1
         << "</a>: " << verdict_text(s.res.verdict_);
      if (!s.blocking.empty())
        os << " &mdash; rejected after the prefix: <a href=\"#op" << s.blocking[0] << "\">op "
           << s.blocking[0] << "</a> " << escape(label(h.ops[s.blocking[0]]));
      os << "</li>";
    }
    os << "</ul>";
  }
  if (r.verdict_ == verdict::linearizable)
    os << "<div>Numbers give the linearization order; the vertical line in each bar is a "
          "linearization point.</div>";
  os << "<div class=\"legend\"><span><i style=\"background:#b9e4c0;border-color:#2e7d32\"></i>"
        "linearized (order #)</span><span><i style=\"background:#f6b2ac;border-color:#c62828\">"
        "</i>could not be placed</span><span><i style=\"background:#e53935;border-color:#7f0000\">"
        "</i>rejected right after the prefix</span><span><i style=\"background:#e4e4e4\"></i>not "
        "linearized</span><span><i style=\"background:#e4e4e4 repeating-linear-gradient(45deg,"
        "#fff 0 4px,transparent 4px 8px);border-style:dashed\"></i>open (no response)</span>"
        "</div></div>\n";

  for (std::size_t k = 0; k < sections.size(); ++k)
    render_section(os, h, sections[k], k + 1, sections.size(), label);
  os << html::page_end(script);
  return os.str();
}

// Overload for models that label their own operations: static describe(input, optional<output>).
template <html_detail::self_describing M>
std::string to_html(const M& m, const history<M>& h, const result& r,
                    const html_options& opt = {}) {
  return to_html(
      m, h, r, [](const auto& o) { return std::string(M::describe(o.input, o.output)); }, opt);
}

}  // namespace lockstep::lin
