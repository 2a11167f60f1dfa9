// A sender's link, verified, used once and acted on.
#include "quarantine/sender_confirmation.h"

namespace rcptguard {
namespace {

UnexpectedOf<SenderLinkFailure> Fail(SenderLinkFailureKind kind, std::string message) {
  return UnexpectedError(SenderLinkFailure{kind, LinkFailureKind::kMalformed, std::move(message)});
}

}  // namespace

Expected<SenderLinkPreview, SenderLinkFailure> PreviewSenderLink(const Quarantine& quarantine,
                                                                     const LinkKey& key,
                                                                     std::string_view token,
                                                                     LinkAction action,
                                                                     int64_t now) {
  auto claims = VerifyLink(key, token, action, now);
  if (!claims) {
    return UnexpectedError(SenderLinkFailure{SenderLinkFailureKind::kLink, claims.error().kind,
                                            claims.error().message});
  }
  auto entry = quarantine.Get(claims->queue_id);
  if (!entry) {
    if (entry.error().kind == HoldFailureKind::kPostfixFailed) {
      return Fail(SenderLinkFailureKind::kFailed, "The mail system could not be asked; try later.");
    }
    return Fail(SenderLinkFailureKind::kGone, "This message is no longer waiting for you.");
  }
  // The queue id alone is not enough: Postfix reuses short ids, and the link
  // must not act on a later message that happens to get the same one.
  if (!entry->record || !LinkMatchesHold(*claims, *entry->record)) {
    return Fail(SenderLinkFailureKind::kGone, "This message is no longer waiting for you.");
  }
  return SenderLinkPreview{std::move(*claims), std::move(*entry)};
}

Expected<HoldActionDone, SenderLinkFailure> ActOnSenderLink(const Quarantine& quarantine,
                                                                ReviewStore& store,
                                                                const LinkKey& key,
                                                                std::string_view token,
                                                                LinkAction action, int64_t now) {
  auto preview = PreviewSenderLink(quarantine, key, token, action, now);
  if (!preview) return UnexpectedError(preview.error());
  const LinkClaims& claims = preview->claims;
  auto first = store.UseLink(claims.link_id, now, claims.expires_at);
  if (!first) {
    return Fail(SenderLinkFailureKind::kFailed, "Your answer could not be recorded; try later.");
  }
  if (!*first) return Fail(SenderLinkFailureKind::kUsed, "This link has been used already.");
  Actor actor{ActorKind::kSenderLink, claims.sender};
  const char* reason = action == LinkAction::kRelease ? "sender confirmed the recipients"
                                                      : "sender cancelled the message";
  auto done = action == LinkAction::kRelease
                  ? quarantine.Release(claims.queue_id, actor, reason, false, now)
                  : quarantine.Discard(claims.queue_id, actor, reason, false, now);
  if (!done) {
    switch (done.error().kind) {
      case HoldFailureKind::kNotHeld:
      case HoldFailureKind::kNotOurs:
      case HoldFailureKind::kInvalid:
        return Fail(SenderLinkFailureKind::kGone, "This message is no longer waiting for you.");
      case HoldFailureKind::kInProgress:
        return Fail(SenderLinkFailureKind::kBusy, "Someone is acting on this message right now.");
      case HoldFailureKind::kPostfixFailed:
        break;
    }
    return Fail(SenderLinkFailureKind::kFailed,
                "The mail system failed; an administrator will see the message.");
  }
  std::string subject = claims.queue_id;
  for (const std::string& recipient : claims.recipients) subject += " " + recipient;
  // The audit append failing does not undo what Postfix did; the caller logs it.
  (void)store.AppendAudit(AuditEntry{0, now, claims.sender, "sender",
                                     action == LinkAction::kRelease ? "confirm" : "cancel", subject,
                                     reason});
  return std::move(*done);
}

}  // namespace rcptguard
