// The shipped systemd unit (contrib/rcptguard-milter.service) as shipped:
// systemd-analyze accepts it, its Documentation= files are installed, and
// its exact ExecStartPre and ExecStart lines (only the binary's path swapped
// for the one just built) start a milter that runs as its user and accepts a
// milter connection from the postfix user through the socket it made.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/milter_client.h"
#include "support/test_helpers.h"

namespace {

using rcptguard::testing_support::MilterClient;
using rcptguard::testing_support::ReadAll;
using rcptguard::testing_support::WaitFor;
using rcptguard::testing_support::WriteAll;

const std::string kUnit = std::string(RCPTGUARD_SOURCE_DIR) + "/contrib/rcptguard-milter.service";
const std::string kInstalledBinary = "/usr/local/bin/rcptguard";

// The unit with the installed binary's path replaced by the one just built.
std::string UnitForThisBuild() {
  std::string text = ReadAll(kUnit);
  for (size_t at; (at = text.find(kInstalledBinary)) != std::string::npos;) {
    text.replace(at, kInstalledBinary.size(), RCPTGUARD_BINARY);
  }
  return text;
}

// The values of `key=` lines in the unit text, in order.
std::vector<std::string> Values(const std::string& unit, const std::string& key) {
  std::vector<std::string> values;
  std::istringstream lines(unit);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + "=", 0) == 0) values.push_back(line.substr(key.size() + 1));
  }
  return values;
}

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/rcptguard-unit-test.XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(SystemdUnit, SystemdAnalyzeVerifiesIt) {
  if (std::system("command -v systemd-analyze > /dev/null") != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd; scripts/setup.sh "
                    "installs it): the unit was not verified";
  }
  TempDir dir;
  WriteAll(dir.Path("rcptguard-milter.service"), UnitForThisBuild());
  // Man pages are checked below against the install tree, not the system's.
  std::string command = "systemd-analyze verify --man=no " + dir.Path("rcptguard-milter.service") +
                        " > " + dir.Path("out") + " 2>&1";
  int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0) << ReadAll(dir.Path("out"));
  EXPECT_EQ(ReadAll(dir.Path("out")), "") << "systemd-analyze warned";
}

TEST(SystemdUnit, EveryDocumentationEntryIsAnInstalledFile) {
  TempDir dir;
  std::string install = "cmake --install " + std::string(RCPTGUARD_BUILD_DIR) + " --prefix " +
                        dir.Path("usr/local") + " > " + dir.Path("out") + " 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0) << ReadAll(dir.Path("out"));
  std::vector<std::string> entries;
  for (const std::string& line : Values(ReadAll(kUnit), "Documentation")) {
    for (const std::string& word : Words(line)) entries.push_back(word);
  }
  ASSERT_FALSE(entries.empty());
  for (const std::string& entry : entries) {
    std::string file;
    if (entry.rfind("man:", 0) == 0) {
      // man:NAME(SECTION) -> share/man/manSECTION/NAME.SECTION
      size_t open = entry.find('(');
      std::string name = entry.substr(4, open - 4);
      std::string section = entry.substr(open + 1, entry.size() - open - 2);
      file = dir.Path("usr/local/share/man/man" + section + "/" + name + "." + section);
    } else if (entry.rfind("file:///usr/local/", 0) == 0) {
      file = dir.Path(entry.substr(8));
    } else {
      ADD_FAILURE() << "unexpected Documentation entry " << entry;
      continue;
    }
    struct stat info;
    EXPECT_TRUE(stat(file.c_str(), &info) == 0 && S_ISREG(info.st_mode))
        << entry << ": want " << file << " installed";
  }
}

TEST(SystemdUnit, ItsExecStartRunsAsItsUserAndPostfixConnectsThroughItsSocket) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: the unit runs as root and drops to rcptguard";
  struct group* postfix_group = getgrnam("postfix");
  struct passwd* postfix = getpwnam("postfix");
  if (postfix_group == nullptr || postfix == nullptr) GTEST_SKIP() << "no postfix user and group";
  gid_t postfix_gid = postfix_group->gr_gid;
  uid_t postfix_uid = postfix->pw_uid;
  // The user the unit's header says to create.
  bool made_user = false;
  if (getpwnam("rcptguard") == nullptr) {
    ASSERT_EQ(std::system("useradd --system --home-dir /var/lib/rcptguard --shell "
                          "/usr/sbin/nologin rcptguard"),
              0);
    made_user = true;
  }
  uid_t rcptguard_uid = getpwnam("rcptguard")->pw_uid;
  TempDir dir;
  std::string unit = UnitForThisBuild();
  ASSERT_EQ(Values(unit, "User"), std::vector<std::string>{"root"});
  // The directories ExecStartPre makes are removed afterwards if they are new.
  std::vector<std::string> made;
  for (const char* path : {"/var/spool/postfix/rcptguard", "/var/lib/rcptguard"}) {
    if (access(path, F_OK) != 0) made.push_back(path);
  }
  for (const std::string& line : Values(unit, "ExecStartPre")) {
    std::string command = line + " > " + dir.Path("pre") + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << line << ": " << ReadAll(dir.Path("pre"));
  }
  std::vector<std::string> start = Values(unit, "ExecStart");
  ASSERT_EQ(start.size(), 1u);
  std::vector<std::string> argv = Words(start[0]);
  std::string socket;
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-p") socket = argv[i + 1].substr(std::string("unix:").size());
  }
  ASSERT_FALSE(socket.empty()) << start[0];
  std::string log = dir.Path("daemon.log");
  pid_t pid = fork();
  if (pid == 0) {
    freopen(log.c_str(), "a", stdout);
    freopen(log.c_str(), "a", stderr);
    std::vector<char*> c_argv;
    for (std::string& word : argv) c_argv.push_back(word.data());
    c_argv.push_back(nullptr);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  bool listening = WaitFor([&] { return ReadAll(log).find("listening on") != std::string::npos; });
  EXPECT_TRUE(listening) << ReadAll(log);
  if (listening) {
    struct stat info;
    ASSERT_EQ(stat(socket.c_str(), &info), 0) << socket;
    EXPECT_EQ(info.st_uid, rcptguard_uid) << "the socket's owner";
    EXPECT_EQ(info.st_gid, postfix_gid) << "the socket's group";
    EXPECT_EQ(info.st_mode & 0777, 0660u) << "the socket's mode";
    // The serving process (the supervisor's child) runs as rcptguard.
    std::system(("pgrep -P " + std::to_string(pid) + " > " + dir.Path("child")).c_str());
    std::string child = ReadAll(dir.Path("child"));
    child = child.substr(0, child.find('\n'));
    std::string status = ReadAll("/proc/" + child + "/status");
    std::string uid_line = "Uid:\t" + std::to_string(rcptguard_uid) + "\t";
    EXPECT_NE(status.find(uid_line), std::string::npos) << "want " << uid_line << " in " << status;
    // Postfix's user connects and negotiates.
    pid_t client = fork();
    if (client == 0) {
      if (setgroups(0, nullptr) != 0 || setgid(postfix_gid) != 0 || setuid(postfix_uid) != 0) {
        _exit(2);
      }
      MilterClient milter;
      if (!milter.Open(socket)) _exit(3);
      char code = milter.Connect("localhost", '4', 40000, "127.0.0.1").code;
      _exit(code == 'c' || code == 0 ? 0 : 4);
    }
    int client_status = 0;
    waitpid(client, &client_status, 0);
    EXPECT_EQ(WEXITSTATUS(client_status), 0)
        << "the postfix user could not talk to the milter (2: setuid, 3: connect, 4: reply)";
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(log);
  for (const std::string& path : made) std::system(("rm -rf '" + path + "'").c_str());
  if (made_user) std::system("userdel rcptguard");
}

}  // namespace
