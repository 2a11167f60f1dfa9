// The pages a sender's links open: GET /link/TOKEN shows what looked wrong
// and asks for one confirming click (it never acts: mail scanners fetch
// links); POST /link/TOKEN acts, once (the review store's UseLink decides).
#ifndef RCPTGUARD_SERVE_LINK_PAGES_H_
#define RCPTGUARD_SERVE_LINK_PAGES_H_

#include <httplib.h>

#include <memory>

#include "serve/review_context.h"

namespace rcptguard {

void AddLinkPages(httplib::Server& server, std::shared_ptr<ReviewContext> context);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_LINK_PAGES_H_
