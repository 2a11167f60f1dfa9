// The TOML pre-scan: a small lexer that knows just enough TOML (keys, the four
// kinds of string, comments, arrays and inline tables) to measure keys and
// nesting. Where the text is not valid TOML it resynchronises at the next
// line: toml++ stops at the first syntax error, so nothing after it is parsed.
#include "config/toml_shape.h"

#include <vector>

namespace rcptguard {
namespace {

bool IsBareKeyByte(char c) {
  // TOML's A-Za-z0-9_-, and any non-ASCII byte: were toml++ ever built with
  // Unicode bare keys, they still count as parts of a key here.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

class ShapeScanner {
 public:
  ShapeScanner(std::string_view text, const std::string& file, const TomlLimits& limits)
      : text_(text), file_(file), limits_(limits) {}

  Result<void> Run() {
    if (text_.size() > limits_.max_bytes) {
      return Fail(1, "the file is larger than " + std::to_string(limits_.max_bytes >> 10) +
                         " KiB; a configuration file is a few KiB (long domain lists belong in "
                         "[trusted] files)");
    }
    while (!AtEnd()) {
      SkipBlanks();
      char c = Peek();
      if (c == '\n') {
        Newline();
        continue;
      }
      if (c == '#' || c == '\r') {
        SkipToLineEnd();
        continue;
      }
      bool ok = false;
      if (c == '[') {
        // [table] or [[array.of.tables]]
        ++pos_;
        if (Peek() == '[') ++pos_;
        RCPTGUARD_ASSIGN_OR_RETURN(ok, ReadKey());
        if (ok) {
          SkipBlanks();
          ok = Peek() == ']';
          if (ok) ++pos_;
          if (ok && Peek() == ']') ++pos_;
        }
      } else {
        RCPTGUARD_ASSIGN_OR_RETURN(ok, ReadKey());
        if (ok) {
          SkipBlanks();
          ok = Peek() == '=';
          if (ok) {
            ++pos_;
            RCPTGUARD_ASSIGN_OR_RETURN(ok, ReadValue());
          }
        }
      }
      // Not TOML here: toml++ will say so; carry on from the next line.
      if (!ok) SkipToLineEnd();
    }
    return {};
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipBlanks() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void SkipToLineEnd() {
    while (!AtEnd() && text_[pos_] != '\n') ++pos_;
  }
  void Newline() {
    ++pos_;
    ++line_;
  }

  Failure Fail(size_t line, std::string message) const {
    return MakeError(ErrorCode::kConfig, std::move(message), file_ + ":" + std::to_string(line));
  }

  // A quoted string at pos_: "basic", 'literal', """multi-line""" or
  // '''multi-line'''. Returns false if it does not end where TOML says it must.
  bool SkipString() {
    char quote = Peek();
    bool basic = quote == '"';
    if (Peek(1) == quote && Peek(2) == quote) {
      pos_ += 3;
      while (!AtEnd()) {
        char c = text_[pos_];
        if (basic && c == '\\') {
          if (Peek(1) == '\n') ++line_;
          pos_ += 2;
          continue;
        }
        if (c == quote && Peek(1) == quote && Peek(2) == quote) {
          pos_ += 3;
          // Up to two more quotes belong to the content: """a""""".
          for (int i = 0; i < 2 && Peek() == quote; ++i) ++pos_;
          return true;
        }
        if (c == '\n') ++line_;
        ++pos_;
      }
      return false;
    }
    ++pos_;
    while (!AtEnd()) {
      char c = text_[pos_];
      if (c == '\n') return false;
      if (basic && c == '\\') {
        if (Peek(1) == '\n') return false;
        pos_ += 2;
        continue;
      }
      ++pos_;
      if (c == quote) return true;
    }
    return false;
  }

  // One key at pos_ ("a", "a.b", "a . 'b c' . \"d\""), measured. Returns
  // false if there is no key there, and an error if it is too long or deep:
  // the count stops at the first part too many, so this is linear.
  Result<bool> ReadKey() {
    size_t parts = 0;
    size_t bytes = 0;
    size_t line = line_;
    while (true) {
      SkipBlanks();
      size_t begin = pos_;
      char c = Peek();
      if (c == '"' || c == '\'') {
        // Quoted keys are single-line strings.
        if (Peek(1) == c && Peek(2) == c) return false;
        if (!SkipString()) return false;
      } else {
        while (!AtEnd() && IsBareKeyByte(text_[pos_])) ++pos_;
        if (pos_ == begin) return false;
      }
      ++parts;
      bytes += pos_ - begin + (parts > 1 ? 1 : 0);
      if (parts > limits_.max_key_parts) {
        return Fail(line, "a key or table name with more than " +
                              std::to_string(limits_.max_key_parts) +
                              " dotted parts (rcptguard's keys have at most 3)");
      }
      if (bytes > limits_.max_key_bytes) {
        return Fail(line, "a key or table name longer than " +
                              std::to_string(limits_.max_key_bytes) + " bytes");
      }
      SkipBlanks();
      if (Peek() != '.') return true;
      ++pos_;
    }
  }

  // Blank space between the items of an array (which may span lines and hold
  // comments), or of an inline table (toml++ reports newlines there).
  void SkipItemSpace() {
    while (!AtEnd()) {
      SkipBlanks();
      char c = Peek();
      if (c == '\n') {
        Newline();
      } else if (c == '\r') {
        ++pos_;
      } else if (c == '#') {
        SkipToLineEnd();
      } else {
        return;
      }
    }
  }

  // After '{' or ',' in an inline table: `key =`, or (after '{') '}'.
  Result<bool> ReadInlineKey() {
    RCPTGUARD_ASSIGN_OR_RETURN(bool ok, ReadKey());
    if (!ok) return false;
    SkipBlanks();
    if (Peek() != '=') return false;
    ++pos_;
    return true;
  }

  // One value after '=', with everything nested in it, iteratively: the
  // stack of open brackets is bounded by max_nesting.
  Result<bool> ReadValue() {
    std::vector<char> open;  // '[' or '{'
    bool want_item = true;   // a value (or a closing bracket) comes next
    while (true) {
      if (open.empty()) {
        SkipBlanks();
      } else {
        SkipItemSpace();
      }
      if (AtEnd()) return false;
      char c = Peek();
      if (want_item) {
        if (c == '\n' || c == '#') return false;  // "key =" with no value
        if (c == '"' || c == '\'') {
          if (!SkipString()) return false;
        } else if (c == '[' || c == '{') {
          if (open.size() >= limits_.max_nesting) {
            return Fail(line_, "arrays or inline tables nested more than " +
                                   std::to_string(limits_.max_nesting) + " deep");
          }
          open.push_back(c);
          ++pos_;
          if (c == '{') {
            SkipBlanks();
            if (Peek() == '}') {
              ++pos_;
              open.pop_back();
            } else {
              RCPTGUARD_ASSIGN_OR_RETURN(bool ok, ReadInlineKey());
              if (!ok) return false;
              continue;
            }
          } else {
            continue;
          }
        } else if (c == ']' && !open.empty() && open.back() == '[') {
          // An empty array, or a trailing comma.
          ++pos_;
          open.pop_back();
        } else {
          // A number, boolean or date: up to a delimiter.
          size_t begin = pos_;
          while (!AtEnd()) {
            char d = text_[pos_];
            if (d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == ',' || d == ']' ||
                d == '}' || d == '#') {
              break;
            }
            ++pos_;
          }
          if (pos_ == begin) return false;
        }
        want_item = false;
        continue;
      }
      // After an item: the value is done, or a separator or a closing bracket.
      if (open.empty()) return true;
      if (c == ',') {
        ++pos_;
        if (open.back() == '{') {
          RCPTGUARD_ASSIGN_OR_RETURN(bool ok, ReadInlineKey());
          if (!ok) return false;
        }
        want_item = true;
      } else if ((c == ']' && open.back() == '[') || (c == '}' && open.back() == '{')) {
        ++pos_;
        open.pop_back();
      } else {
        return false;
      }
    }
  }

  std::string_view text_;
  const std::string& file_;
  const TomlLimits& limits_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

Result<void> CheckTomlShape(std::string_view text, const std::string& file,
                            const TomlLimits& limits) {
  return ShapeScanner(text, file, limits).Run();
}

}  // namespace rcptguard
