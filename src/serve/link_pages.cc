// The sender link pages (see link_pages.h). Plain HTML drawn here, no
// script; a strict Content-Security-Policy; never cached.
#include "serve/link_pages.h"

#include <ctime>
#include <string>

#include "quarantine/sender_confirmation.h"

namespace rcptguard {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void SendPage(httplib::Response& res, int status, std::string_view title, std::string body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                     Escape(title) + "</title></head><body><h1>" + Escape(title) + "</h1>\n" +
                     body + "</body></html>\n";
  res.set_content(std::move(page), "text/html; charset=utf-8");
}

int StatusOf(SenderLinkFailureKind kind) {
  switch (kind) {
    case SenderLinkFailureKind::kLink:
      return 403;
    case SenderLinkFailureKind::kUsed:
      return 410;
    case SenderLinkFailureKind::kGone:
      return 410;
    case SenderLinkFailureKind::kBusy:
      return 409;
    case SenderLinkFailureKind::kFailed:
      return 500;
  }
  return 500;
}

void SendFailure(httplib::Response& res, const SenderLinkFailure& failure) {
  SendPage(res, StatusOf(failure.kind), "This link cannot be used",
           "<p>" + Escape(failure.message) + "</p>\n");
}

// The token says its action; a genuine token for the other action is tried
// as that one.
template <typename Call>
auto WithEitherAction(Call call) {
  auto result = call(LinkAction::kRelease);
  if (!result && result.error().kind == SenderLinkFailureKind::kLink &&
      result.error().link_failure == LinkFailureKind::kWrongAction) {
    result = call(LinkAction::kCancel);
  }
  return result;
}

std::string Explanation(const SenderLinkPreview& preview) {
  std::string out = "<p>Your message";
  if (!preview.entry.record || preview.entry.record->message_id.empty()) {
    out += " ";
  } else {
    out += " " + Escape(preview.entry.record->message_id) + " ";
  }
  out += "is held because of these recipients:</p>\n<ul>\n";
  for (const std::string& recipient : preview.claims.recipients) {
    out += "<li>" + Escape(recipient);
    if (preview.entry.record) {
      for (const Verdict& verdict : preview.entry.record->verdicts) {
        if (verdict.recipient != recipient) continue;
        for (const Reason& reason : verdict.reasons) out += ": " + Escape(reason.detail);
        if (verdict.suggestion) out += " Did you mean " + Escape(*verdict.suggestion) + "?";
      }
    }
    out += "</li>\n";
  }
  return out + "</ul>\n";
}

void HandleGet(httplib::Response& res, ReviewContext& context, const std::string& token,
               int64_t now) {
  auto preview = WithEitherAction([&](LinkAction action) {
    return PreviewSenderLink(*context.quarantine, *context.key, token, action, now);
  });
  if (!preview) return SendFailure(res, preview.error());
  bool release = preview->claims.action == LinkAction::kRelease;
  std::string body = Explanation(*preview);
  body += release ? "<p>If every recipient is right, send it anyway:</p>\n"
                  : "<p>To cancel the message (it is deleted, nobody gets it):</p>\n";
  body += "<form method=\"post\"><button type=\"submit\">" +
          std::string(release ? "Send anyway" : "Cancel the message") + "</button></form>\n";
  SendPage(res, 200, release ? "Send your held message?" : "Cancel your held message?", body);
}

void HandlePost(httplib::Response& res, ReviewContext& context, const std::string& token,
                int64_t now) {
  auto done = WithEitherAction([&](LinkAction action) {
    std::lock_guard lock(context.store_mutex);
    return ActOnSenderLink(*context.quarantine, *context.store, *context.key, token, action, now);
  });
  if (!done) return SendFailure(res, done.error());
  if (done->learned && context.learn) context.learn(std::move(*done->learned));
  // The action was the token's: a release token verifies as one.
  bool sent = VerifyLink(*context.key, token, LinkAction::kRelease, now).has_value();
  SendPage(res, 200, sent ? "Your message is on its way" : "Your message was cancelled",
           sent ? "<p>Thank you. The message has been released for delivery.</p>\n"
                : "<p>The message has been deleted; nobody will receive it.</p>\n");
}

// A route for /link/TOKEN: links off (no key) is a 503 page; else `handler`
// gets the token and the time.
template <typename Handler>
auto LinkRoute(std::shared_ptr<ReviewContext> context, Handler handler) {
  return [context, handler](const httplib::Request& req, httplib::Response& res) {
    if (!context->key) {
      SendPage(res, 503, "Links are not available", "<p>Sender links are not set up.</p>\n");
      return;
    }
    handler(res, *context, std::string(req.matches[1]), int64_t{std::time(nullptr)});
  };
}

}  // namespace

void AddLinkPages(httplib::Server& server, std::shared_ptr<ReviewContext> context) {
  constexpr const char* kPath = R"(/link/([A-Za-z0-9_.-]+))";
  server.Get(kPath, LinkRoute(context, HandleGet));
  server.Post(kPath, LinkRoute(context, HandlePost));
}

}  // namespace rcptguard
