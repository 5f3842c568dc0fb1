// Runs part(i, n) for i < n on the calling thread and n − 1 pooled threads. The threads are started once and kept:
// a layer call hands work over four times, and starting a thread costs about 40 µs here (more than the work of a
// small step); a pooled one is woken in a few microseconds, and spins briefly before sleeping because the next
// hand-over usually follows within microseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flts {

class ThreadPool {
 public:
  // The process's pool (never destroyed: its threads are detached and end with the process).
  static ThreadPool& instance() {
    static ThreadPool* pool = new ThreadPool();
    return *pool;
  }

  template <class Part>
  void run(int n, const Part& part) {
    if (n <= 1) {
      part(0, 1);
      return;
    }
    // One job at a time: JavaScript threads of one process may call in concurrently.
    std::lock_guard<std::mutex> job(jobMutex_);
    grow(n - 1);
    std::vector<std::exception_ptr> errors(n);
    const std::function<void(int)> task = [&](int i) {
      try {
        part(i, n);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      parts_ = n;
      pending_.store(n - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    task(0);
    while (pending_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
    for (auto& error : errors)
      if (error) std::rethrow_exception(error);
  }

 private:
  ThreadPool() = default;

  void grow(int workers) {
    while (static_cast<int>(started_) < workers) {
      const int index = static_cast<int>(started_) + 1;
      // The generation before the job being posted, read here: a thread that read it itself could start after
      // the post and wait for the next job instead.
      const unsigned long seen = generation_.load(std::memory_order_acquire);
      std::thread([this, index, seen] { work(index, seen); }).detach();
      // Counted only once it exists: a thread that failed to start (std::system_error) must not be waited for.
      started_++;
    }
  }

  // Worker `index` (1-based) takes part `index` of every job with more than `index` parts.
  void work(int index, unsigned long seen) {
    for (;;) {
      // Spin some tens of microseconds for the next job before sleeping on the condition variable.
      for (int spin = 0; spin < 2000 && generation_.load(std::memory_order_acquire) == seen; spin++) pause();
      const std::function<void(int)>* task;
      int parts;
      {
        // The generation, task and part count are read together, under the lock they are posted under: read apart,
        // a worker left out of one job could take the next job's task under the old generation and run it twice.
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        seen = generation_.load(std::memory_order_acquire);
        task = task_;
        parts = parts_;
      }
      if (index < parts) {
        (*task)(index);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  std::mutex jobMutex_, mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned long> generation_{0};
  std::atomic<int> pending_{0};
  unsigned started_ = 0;
  const std::function<void(int)>* task_ = nullptr;
  int parts_ = 0;
};

}  // namespace flts
