// The history threads of a daemon: one records learned mail in batches, one
// keeps the index fresh (small overlays every few seconds, a full rebuild
// every few minutes, retention once a day).
#include "milter/history_service.h"

#include <utility>

namespace rcptguard {
namespace {

constexpr int64_t kDay = 86'400;

std::string PairKey(const std::string& a, const std::string& b, const std::string& c = {}) {
  return a + '\n' + b + '\n' + c;
}

}  // namespace

Result<std::unique_ptr<HistoryService>> HistoryService::Start(const HistoryServiceOptions& options,
                                                              Logger* logger, Clock clock) {
  auto reader = OpenHistoryStore(options.store);
  if (!reader) return Unexpected(reader.error());
  auto writer = OpenHistoryStore(options.store);
  if (!writer) return Unexpected(writer.error());
  std::unique_ptr<HistoryService> service(new HistoryService(
      options, logger, std::move(clock), std::move(*reader), std::move(*writer)));
  // The first index is built here, so the daemon starts with its history.
  auto snapshot = service->reader_->Load(service->clock_());
  if (!snapshot) return Unexpected(snapshot.error());
  service->cursor_ = snapshot->cursor;
  service->base_ = CorrespondentHistory::Build(*snapshot, options.store.keyer, options.history);
  service->current_.store(service->base_);
  service->last_rebuild_ = std::chrono::steady_clock::now();
  service->writer_thread_ = std::thread([s = service.get()] { s->WriteLoop(); });
  service->refresh_thread_ = std::thread([s = service.get()] { s->RefreshLoop(); });
  return service;
}

HistoryService::HistoryService(const HistoryServiceOptions& options, Logger* logger, Clock clock,
                               std::unique_ptr<HistoryStore> reader,
                               std::unique_ptr<HistoryStore> writer)
    : options_(options),
      logger_(logger),
      clock_(std::move(clock)),
      reader_(std::move(reader)),
      writer_(std::move(writer)) {}

void HistoryService::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_all();
  wake_refresher_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (refresh_thread_.joinable()) refresh_thread_.join();
}

void HistoryService::Learn(SentMessage message) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_limit) {
      // Counted and reported by the write thread, not logged per message.
      dropped_.fetch_add(1);
      return;
    }
    queue_.push_back(std::move(message));
  }
  wake_writer_.notify_one();
}

void HistoryService::SetRebuildListener(RebuildListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void HistoryService::WriteLoop() {
  uint64_t reported_drops = 0;
  while (true) {
    std::vector<SentMessage> batch;
    {
      std::unique_lock lock(mutex_);
      wake_writer_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is recorded
      // A short pause gathers a batch: one transaction for many messages.
      if (!stopping_ && queue_.size() < options_.batch) {
        wake_writer_.wait_for(lock, std::chrono::milliseconds(200),
                              [&] { return stopping_ || queue_.size() >= options_.batch; });
      }
      size_t take = std::min(queue_.size(), options_.batch);
      batch.reserve(take);
      for (size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto recorded = writer_->Record(batch);
    if (!recorded) {
      // The mail has gone out; only its history is lost. Say so once per batch.
      logger_->Warning("history: could not record " + std::to_string(batch.size()) +
                       " messages: " + recorded.error().ToString());
      // A write error may be damage: find out, and say so plainly.
      if (auto intact = writer_->CheckIntegrity(); !intact) {
        logger_->Error("history: " + intact.error().ToString());
      }
    }
    if (uint64_t drops = dropped_.load(); drops != reported_drops) {
      logger_->Warning("history: " + std::to_string(drops - reported_drops) +
                       " messages not learned (the store is not keeping up)");
      reported_drops = drops;
    }
    {
      std::lock_guard lock(mutex_);
      recorded_ = true;
    }
    wake_refresher_.notify_one();
  }
}

void HistoryService::RefreshLoop() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_refresher_.wait_for(lock, options_.refresh, [&] { return stopping_ || recorded_; });
      if (stopping_) return;
      recorded_ = false;
    }
    bool full = std::chrono::steady_clock::now() - last_rebuild_ >= options_.rebuild;
    Refresh(full);
  }
}

void HistoryService::Refresh(bool full) {
  int64_t now = clock_();
  if (full) {
    if (now - last_prune_ >= kDay) {
      last_prune_ = now;
      auto pruned = reader_->Prune(now - options_.retention_days * kDay);
      if (!pruned) logger_->Warning("history: retention: " + pruned.error().ToString());
      if (pruned && *pruned > 0) {
        logger_->Info("history: forgot " + std::to_string(*pruned) + " pairs older than " +
                      std::to_string(options_.retention_days) + " days");
      }
    }
    auto snapshot = reader_->Load(now);
    if (!snapshot) {
      logger_->Warning("history: rebuild failed, keeping the current index: " +
                       snapshot.error().ToString());
      return;
    }
    last_rebuild_ = std::chrono::steady_clock::now();
    cursor_ = snapshot->cursor;
    base_ = CorrespondentHistory::Build(*snapshot, options_.store.keyer, options_.history);
    delta_ = HistorySnapshot();
    delta_pairs_.clear();
    delta_names_.clear();
    current_.store(base_);
    RebuildListener listener;
    {
      std::lock_guard lock(mutex_);
      listener = listener_;
    }
    if (listener) listener(base_);
    return;
  }

  auto changed = reader_->LoadChangedSince(cursor_, now);
  if (!changed) {
    logger_->Warning("history: refresh failed: " + changed.error().ToString());
    return;
  }
  cursor_ = std::max(cursor_, changed->cursor);
  // Rows carry absolute counts: a row read again replaces the one before.
  for (PairRecord& pair : changed->pairs) {
    auto [it, inserted] =
        delta_pairs_.try_emplace(PairKey(pair.sender, pair.recipient), delta_.pairs.size());
    if (inserted) {
      delta_.pairs.push_back(std::move(pair));
    } else {
      delta_.pairs[it->second] = std::move(pair);
    }
  }
  for (NameRecord& name : changed->names) {
    auto [it, inserted] = delta_names_.try_emplace(PairKey(name.sender, name.name, name.recipient),
                                                   delta_.names.size());
    if (inserted) {
      delta_.names.push_back(std::move(name));
    } else {
      delta_.names[it->second] = std::move(name);
    }
  }
  delta_.exceptions = std::move(changed->exceptions);
  current_.store(CorrespondentHistory::Overlay(base_, delta_));
}

}  // namespace rcptguard
