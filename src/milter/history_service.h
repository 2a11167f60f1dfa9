// Correspondent history for a daemon: keeps an index of the store fresh and
// records what the daemon learns, both on threads of their own so that the
// SMTP reply path never waits for the database.
#ifndef RCPTGUARD_MILTER_HISTORY_SERVICE_H_
#define RCPTGUARD_MILTER_HISTORY_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "platform/logger.h"
#include "rcptguard/history.h"
#include "store/history_store.h"

namespace rcptguard {

struct HistoryServiceOptions {
  StoreOptions store;
  HistoryOptions history;
  std::chrono::seconds refresh{5};    // read what was learned since, here or elsewhere
  std::chrono::seconds rebuild{600};  // rebuild the index from the whole store
  int64_t retention_days = 730;       // pruned once a day
  size_t batch = 500;                 // messages per store transaction
  // Messages waiting to be recorded. Beyond this (the database is down or
  // slow) new ones are dropped and counted: mail flow always wins.
  size_t queue_limit = 100'000;
};

class HistoryService {
 public:
  using Clock = std::function<int64_t()>;  // unix seconds
  // Called on the refresh thread with each full rebuild (the learned expected
  // domains change only then).
  using RebuildListener = std::function<void(std::shared_ptr<const CorrespondentHistory>)>;

  // Opens the store twice (one connection per thread), loads the whole history
  // into the first index, and starts the threads. Fails as OpenHistoryStore
  // and Load do; then nothing is started.
  static Result<std::unique_ptr<HistoryService>> Start(const HistoryServiceOptions& options,
                                                       Logger* logger, Clock clock);
  // Records what is still queued, then stops the threads. Idempotent; after
  // it, Learn drops messages.
  void Stop();
  ~HistoryService() { Stop(); }

  // The index in force: the last full build with everything read since layered
  // on top. Thread-safe; callers keep the pointer for one message.
  std::shared_ptr<const CorrespondentHistory> Current() const { return current_.load(); }

  // Queues a delivered message to be recorded. Never blocks on the store.
  void Learn(SentMessage message);

  // Set before the first rebuild that should reach it.
  void SetRebuildListener(RebuildListener listener);

  uint64_t dropped() const { return dropped_.load(); }

 private:
  HistoryService(const HistoryServiceOptions& options, Logger* logger, Clock clock,
                 std::unique_ptr<HistoryStore> reader, std::unique_ptr<HistoryStore> writer);
  void WriteLoop();
  void RefreshLoop();
  void Refresh(bool full);

  HistoryServiceOptions options_;
  Logger* logger_;
  Clock clock_;
  std::unique_ptr<HistoryStore> reader_;  // the refresh thread's connection
  std::unique_ptr<HistoryStore> writer_;  // the write thread's connection
  std::atomic<std::shared_ptr<const CorrespondentHistory>> current_;

  // Refresh thread state.
  std::shared_ptr<const CorrespondentHistory> base_;     // the last full build
  HistorySnapshot delta_;                                // read since, merged by pair
  std::unordered_map<std::string, size_t> delta_pairs_;  // sender \n recipient -> index in delta_
  std::unordered_map<std::string, size_t> delta_names_;
  int64_t cursor_ = 0;
  std::chrono::steady_clock::time_point last_rebuild_;
  int64_t last_prune_ = 0;

  std::mutex mutex_;  // guards everything below
  std::condition_variable wake_writer_;
  std::condition_variable wake_refresher_;
  std::deque<SentMessage> queue_;
  bool recorded_ = false;  // a batch was recorded since the last refresh
  bool stopping_ = false;
  RebuildListener listener_;
  std::atomic<uint64_t> dropped_{0};

  std::thread writer_thread_;
  std::thread refresh_thread_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_MILTER_HISTORY_SERVICE_H_
