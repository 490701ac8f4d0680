// Lock-free and classic structures used to measure exploration (bench/checker) and tested as
// model tests (structures_model_test.cpp): Treiber stack, Michael–Scott queue, Peterson's
// lock, mutex counter. Nodes are never freed during an execution (no reclamation, so no ABA);
// they are freed when the structure is destroyed at the end of the execution.
#pragma once

#include <lockstep/model_platform.hpp>

#include <mutex>
#include <vector>

namespace lockstep_test {

using P = lockstep::model_platform;

class TreiberStack {
 public:
  ~TreiberStack() {
    for (Node* n : all_) delete n;
  }
  void push(int v) {
    Node* n = new Node{v, nullptr};
    all_.push_back(n);
    Node* h = head_.load(std::memory_order_relaxed);
    do {
      n->next = h;
    } while (
        !head_.compare_exchange_weak(h, n, std::memory_order_release, std::memory_order_relaxed));
  }
  // Returns -1 when empty.
  int pop() {
    Node* h = head_.load(std::memory_order_acquire);
    while (h && !head_.compare_exchange_weak(h, h->next, std::memory_order_acquire,
                                             std::memory_order_acquire)) {
    }
    return h ? h->value : -1;
  }

 private:
  struct Node {
    int value;
    Node* next;
  };
  P::atomic<Node*> head_{nullptr};
  std::vector<Node*> all_;  // thread-safe enough: fibers are cooperative and push_back has no
                            // scheduling point
};

class MSQueue {
 public:
  MSQueue() {
    Node* dummy = make(0);
    head_.store(dummy, std::memory_order_relaxed);
    tail_.store(dummy, std::memory_order_relaxed);
  }
  ~MSQueue() {
    for (Node* n : all_) delete n;
  }
  void enqueue(int v) {
    Node* n = make(v);
    for (;;) {
      P::loop_head();  // every iteration starts afresh from tail_ (a retry loop)
      Node* t = tail_.load(std::memory_order_acquire);
      Node* next = t->next.load(std::memory_order_acquire);
      if (t != tail_.load(std::memory_order_acquire)) continue;
      if (next == nullptr) {
        if (t->next.compare_exchange_strong(next, n, std::memory_order_release,
                                            std::memory_order_relaxed)) {
          tail_.compare_exchange_strong(t, n, std::memory_order_release, std::memory_order_relaxed);
          return;
        }
      } else {
        tail_.compare_exchange_strong(t, next, std::memory_order_release,
                                      std::memory_order_relaxed);
      }
    }
  }
  // Returns -1 when empty.
  int dequeue() {
    for (;;) {
      P::loop_head();
      Node* h = head_.load(std::memory_order_acquire);
      Node* t = tail_.load(std::memory_order_acquire);
      Node* next = h->next.load(std::memory_order_acquire);
      if (h != head_.load(std::memory_order_acquire)) continue;
      if (h == t) {
        if (next == nullptr) return -1;
        tail_.compare_exchange_strong(t, next, std::memory_order_release,
                                      std::memory_order_relaxed);
      } else {
        int v = next->value;
        if (head_.compare_exchange_strong(h, next, std::memory_order_release,
                                          std::memory_order_relaxed))
          return v;
      }
    }
  }

 private:
  struct Node {
    int value;
    P::atomic<Node*> next;
  };
  Node* make(int v) {
    Node* n = new Node{v, {}};
    n->next.store(nullptr, std::memory_order_relaxed);
    all_.push_back(n);
    return n;
  }
  P::atomic<Node*> head_, tail_;
  std::vector<Node*> all_;
};

// Peterson's lock for two threads (ids 0 and 1); correct under sequential consistency.
class PetersonLock {
 public:
  void lock(int me) {
    int other = 1 - me;
    flag_[me].store(true);
    victim_.store(me);
    while (flag_[other].load() && victim_.load() == me) P::spin_pause();
  }
  void unlock(int me) { flag_[me].store(false); }

 private:
  P::atomic<bool> flag_[2];
  P::atomic<int> victim_{0};
};

// The bodies that bench/checker measures and the model tests check.
inline void treiber_3_threads() {
  TreiberStack s;
  P::atomic<int> popped_sum{0};
  auto body = [&](int v) {
    s.push(v);
    int x = s.pop();
    LOCKSTEP_ASSERT(x != -1) << "pop after push found the stack empty";
    popped_sum.fetch_add(x, std::memory_order_relaxed);
  };
  P::thread a(body, 1), b(body, 2), c(body, 4);
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(popped_sum.load() == 7) << "values lost or duplicated";
}

inline void ms_queue_2_threads() {
  MSQueue q;
  P::atomic<int> got{0};
  auto body = [&](int v) {
    q.enqueue(v);
    int x = q.dequeue();
    LOCKSTEP_ASSERT(x != -1);
    got.fetch_add(x, std::memory_order_relaxed);
  };
  P::thread a(body, 1), b(body, 2);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(got.load() == 3);
}

inline void mutex_counter(int threads) {
  P::mutex m;
  P::var<int> n{0};
  P::thread ts[4];
  for (int i = 0; i < threads; ++i)
    ts[i] = P::thread([&] {
      std::lock_guard<P::mutex> g(m);
      n += 1;
    });
  for (int i = 0; i < threads; ++i) ts[i].join();
  LOCKSTEP_ASSERT(n.get() == threads);
}

inline void peterson() {
  PetersonLock lock;
  P::atomic<int> inside{0};
  auto body = [&](int me) {
    lock.lock(me);
    LOCKSTEP_ASSERT(inside.fetch_add(1) == 0) << "both threads in the critical section";
    inside.fetch_sub(1);
    lock.unlock(me);
  };
  P::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
}

}  // namespace lockstep_test
