// The console's static files, compiled into the binary: one stylesheet, no
// script (the Content-Security-Policy allows none).
#ifndef RCPTGUARD_SERVE_CONSOLE_CONSOLE_ASSETS_H_
#define RCPTGUARD_SERVE_CONSOLE_CONSOLE_ASSETS_H_

#include <string_view>

namespace rcptguard {

// /console/static/console.css
std::string_view ConsoleStylesheet();

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_CONSOLE_ASSETS_H_
