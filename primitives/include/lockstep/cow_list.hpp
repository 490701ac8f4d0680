// lockstep/cow_list.hpp — a copy-on-write list: wait-free reads of immutable snapshots.
//
// Guarantees
//   * Readers never block and never see a partial write: read(f) calls f(const
//     std::vector<T>&) on the snapshot current when the read began; that snapshot is
//     immutable and stays alive until f returns, however many writes happen meanwhile.
//     A read costs two atomic read-modify-writes and one load (wait-free).
//   * Writers serialise on a mutex, copy the current vector, modify the copy and publish it
//     with one atomic pointer store, so every write is linearizable and every snapshot is the
//     result of a prefix of the writes.
//   * Reclamation without hazard pointers: snapshots replaced by a write are retired and
//     freed by a later write (or the destructor) that sees no reader in progress. Under a
//     never-ending overlap of readers, retired snapshots accumulate until a quiescent moment;
//     this suits the intended use (read-mostly lists: listeners, routes, subscriptions).
//   * Writes cost O(n) copies: use it when reads vastly outnumber writes.
//
// Usage
//   lockstep::CowList<int> listeners;
//   listeners.push_back(3);
//   listeners.read([](const std::vector<int>& v) { for (int x : v) notify(x); });
//
// Why the reader counter is enough: a reader increments readers_ and then loads head_; a
// writer stores head_ and then loads readers_, all seq_cst. If the writer sees 0, every
// reader that increments later also loads head_ later (single total order), so it sees the
// new head and cannot hold a retired snapshot.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class T, class P = std_platform>
class CowList {
 public:
  CowList() {
    Node* n = new Node;
    n->items.set({});
    head_.store(n, std::memory_order_release);
  }
  CowList(const CowList&) = delete;
  CowList& operator=(const CowList&) = delete;
  ~CowList() {
    // No reader or writer may run concurrently with destruction.
    delete head_.load(std::memory_order_relaxed);
    for (Node* n : retired_.cref()) delete n;
  }

  // Calls f(const std::vector<T>&) on the current snapshot and returns its result. Do not
  // let a reference into the snapshot escape f.
  template <class F>
  decltype(auto) read(F&& f) const {
    struct Guard {
      const CowList* self;
      ~Guard() { self->readers_.fetch_sub(1, std::memory_order_seq_cst); }
    };
    readers_.fetch_add(1, std::memory_order_seq_cst);
    Guard g{this};
    // seq_cst (hence acquire) pairs with the writer's publishing store: the snapshot's
    // contents, written before that store, are visible here.
    const Node* n = head_.load(std::memory_order_seq_cst);
    return std::forward<F>(f)(n->items.cref());
  }

  // A copy of the current contents.
  std::vector<T> snapshot() const {
    return read([](const std::vector<T>& v) { return v; });
  }
  std::size_t size() const {
    return read([](const std::vector<T>& v) { return v.size(); });
  }

  void push_back(T value) {
    write([&](std::vector<T>& v) { v.push_back(std::move(value)); });
  }
  // Removes every element equal to `value`; returns how many were removed.
  std::size_t remove(const T& value) {
    std::size_t removed = 0;
    write([&](std::vector<T>& v) {
      auto it = std::remove(v.begin(), v.end(), value);
      removed = static_cast<std::size_t>(v.end() - it);
      v.erase(it, v.end());
    });
    return removed;
  }
  // Applies f(std::vector<T>&) to a copy of the contents and publishes the copy atomically.
  template <class F>
  void write(F&& f) {
    std::lock_guard<typename P::mutex> g(write_mu_);
    Node* old = head_.load(std::memory_order_relaxed);  // only writers store, and we hold the lock
    std::vector<T> copy = old->items.cref();
    std::forward<F>(f)(copy);
    Node* fresh = new Node;
    fresh->items.set(std::move(copy));  // written before the publishing store
    head_.store(fresh, std::memory_order_seq_cst);
    retired_.ref().push_back(old);
    // See the header comment: no reader in progress means no reader holds a retired node.
    if (readers_.load(std::memory_order_seq_cst) == 0) {
      for (Node* n : retired_.cref()) delete n;
      retired_.ref().clear();
    }
  }

  // Snapshots waiting for a quiescent moment to be freed (for tests and monitoring).
  std::size_t retired_count() const {
    std::lock_guard<typename P::mutex> g(write_mu_);
    return retired_.cref().size();
  }

 private:
  struct Node {
    typename P::template var<std::vector<T>> items;
  };

  mutable typename P::mutex write_mu_;
  typename P::template atomic<Node*> head_{nullptr};
  mutable typename P::template atomic<int> readers_{0};
  typename P::template var<std::vector<Node*>> retired_;  // guarded by write_mu_
};

}  // namespace lockstep
