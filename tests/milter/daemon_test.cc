// The milter daemon's process life, black-box: reloads with hostile
// configuration files, the supervisor's death, socket specs, relative paths
// after daemonizing, `milter -n`'s checks, -V and the log options. The real
// binary, our own milter client (tests/support/milter_client.h).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/milter_client.h"
#include "support/milter_daemon.h"
#include "support/test_helpers.h"

namespace rcptguard {
namespace {

using testing_support::MilterClient;
using testing_support::MilterDaemon;
using testing_support::MilterReply;
using testing_support::ReadAll;
using testing_support::WaitFor;
using testing_support::WriteAll;

const std::string kBinary = RCPTGUARD_BINARY;
const std::string kMarkedConfig =
    std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/uk-department.toml";

// Runs `command` with output to `out`; returns its exit status.
int RunShell(const std::string& command, const std::string& out) {
  int status = std::system((command + " > '" + out + "' 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Sends one outbound message from bob@mod.uk to `rcpt` with `subject`;
// returns the end-of-message reply ('E' code if the milter is unreachable).
MilterReply SendOutbound(const std::string& socket, const std::string& queue_id,
                         const std::string& rcpt, const std::string& subject) {
  MilterClient client;
  if (!client.Open(socket)) return MilterReply{'E', client.error(), {}};
  client.Connect("localhost", '4', 40000, "127.0.0.1");
  client.Macros('M', {{"i", queue_id}});
  client.Mail({"<bob@mod.uk>"});
  client.Rcpt({"<" + rcpt + ">"});
  client.Header("From", "Bob <bob@mod.uk>");
  client.Header("To", rcpt);
  client.Header("Subject", subject);
  client.EndOfHeaders();
  client.Body("Hello,\n\nthe figures.\n");
  client.Macros('E', {{"i", queue_id}});
  MilterReply end = client.EndOfMessage();
  client.Quit();
  return end;
}

// The milter's answer to RCPT TO `rcpt` from bob@mod.uk ('E': unreachable).
char RcptReply(const std::string& socket, const std::string& rcpt) {
  MilterClient client;
  if (!client.Open(socket)) return 'E';
  client.Connect("localhost", '4', 40000, "127.0.0.1");
  client.Mail({"<bob@mod.uk>"});
  char code = client.Rcpt({"<" + rcpt + ">"}).code;
  client.Quit();
  return code;
}

// A marked message to a recipient the policy does not accredit is held
// (quarantined) by the uk-department example.
::testing::AssertionResult MarkedMailIsHeld(const std::string& socket, const std::string& id) {
  MilterReply end = SendOutbound(socket, id, "j@example.com", "OFFICIAL-SENSITIVE: figures");
  if (end.code == 'E') return ::testing::AssertionFailure() << "unreachable: " << end.text;
  if (!end.has('q')) {
    return ::testing::AssertionFailure() << "got reply '" << end.code << "' without a hold, want "
                                         << "the marked message held";
  }
  return ::testing::AssertionSuccess();
}

pid_t ServingChild(MilterDaemon& daemon) {
  std::string children = daemon.Path("children");
  std::system(("pgrep -P " + std::to_string(daemon.pid()) + " > " + children).c_str());
  return std::atoi(ReadAll(children).c_str());
}

// A reload with a hostile file keeps the running configuration, the listener
// and the serving process; mail is still checked with the old rules.
struct HostileConfig {
  const char* name;
  void (*make)(const std::string& path);
  const char* logged;  // what the failed reload says
};

void DeepKeys(const std::string& path) {
  std::string key = "a";
  for (int i = 1; i < 50000; ++i) key += ".a";
  WriteAll(path, "[" + key + "]\n");
}
void Directory(const std::string& path) {
  std::remove(path.c_str());
  mkdir(path.c_str(), 0700);
}
void DevZero(const std::string& path) {
  std::remove(path.c_str());
  symlink("/dev/zero", path.c_str());
}
void TypeError(const std::string& path) {
  WriteAll(path, "audit = \"yes\"\n" + ReadAll(kMarkedConfig));
}

void PrintTo(const HostileConfig& c, std::ostream* out) { *out << c.name; }

class HostileReload : public ::testing::TestWithParam<HostileConfig> {};

TEST_P(HostileReload, KeepsTheRunningConfigurationAndMarkedMailIsStillHeld) {
  const HostileConfig& hostile = GetParam();
  MilterDaemon daemon;
  std::string config = daemon.Path("rcptguard.toml");
  WriteAll(config, ReadAll(kMarkedConfig));
  ASSERT_TRUE(daemon.Start({"-c", config}));
  ASSERT_TRUE(MarkedMailIsHeld(daemon.socket(), "BEFORE1"));
  pid_t child = ServingChild(daemon);
  hostile.make(config);
  kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon.LogCount("reload failed") == 1; }))
      << hostile.name << ": " << daemon.Log();
  EXPECT_NE(daemon.Log().find(hostile.logged), std::string::npos)
      << hostile.name << ": want '" << hostile.logged << "' in " << daemon.Log();
  EXPECT_TRUE(MarkedMailIsHeld(daemon.socket(), "AFTER1")) << hostile.name << ": " << daemon.Log();
  EXPECT_EQ(ServingChild(daemon), child) << hostile.name << ": the serving process was replaced";
  EXPECT_EQ(daemon.LogCount("listening on"), 1u) << hostile.name << ": " << daemon.Log();
  EXPECT_EQ(daemon.LogCount("configuration reloaded"), 0u) << hostile.name << ": " << daemon.Log();
}

INSTANTIATE_TEST_SUITE_P(
    Daemon, HostileReload,
    ::testing::Values(HostileConfig{"DeepKeys", DeepKeys, "rcptguard.toml"},
                      HostileConfig{"Directory", Directory, "not a regular file"},
                      HostileConfig{"DevZero", DevZero, "not a regular file"},
                      HostileConfig{"TypeError", TypeError, "'audit' must be true or false"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// The serving process dies while the file on disk is hostile: the supervisor
// checks it in a child, stays up, and starts a new serving process once a
// good file is back and SIGHUP says so.
TEST(Daemon, ARestartWithAHostileFileWaitsForAGoodOneWithoutCrashingTheSupervisor) {
  MilterDaemon daemon;
  std::string config = daemon.Path("rcptguard.toml");
  WriteAll(config, ReadAll(kMarkedConfig));
  ASSERT_TRUE(daemon.Start({"-c", config}));
  DeepKeys(config);
  kill(ServingChild(daemon), SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return daemon.LogCount("cannot start a new milter process") == 1; }))
      << daemon.Log();
  EXPECT_EQ(kill(daemon.pid(), 0), 0) << "the supervisor died: " << daemon.Log();
  WriteAll(config, ReadAll(kMarkedConfig));
  kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon.LogCount("listening on") == 2; })) << daemon.Log();
  EXPECT_TRUE(MarkedMailIsHeld(daemon.socket(), "RESTART1")) << daemon.Log();
}

// kill -9 of the supervisor: the serving process notices and exits cleanly,
// rather than serving on beside a newly started instance.
TEST(Daemon, TheServingProcessExitsCleanlyWhenTheSupervisorIsKilled) {
  // Orphans are re-parented to this process, so their exit status is ours to read.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  MilterDaemon daemon;
  ASSERT_TRUE(daemon.Start({}));
  pid_t child = ServingChild(daemon);
  ASSERT_GT(child, 0);
  kill(daemon.pid(), SIGKILL);
  int status = 0;
  bool ended = WaitFor([&] { return waitpid(child, &status, WNOHANG) == child; });
  if (!ended) kill(child, SIGKILL);
  ASSERT_TRUE(ended) << "the serving process outlived its supervisor: " << daemon.Log();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "got status " << status << ", want a clean exit: " << daemon.Log();
  EXPECT_EQ(daemon.LogCount("milter process stopped"), 1u) << daemon.Log();
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

// One socket-spec parser for `-n` and for start-up: both refuse the same.
struct SocketCase {
  const char* name;
  const char* spec;
  const char* want;  // in the error
};

void PrintTo(const SocketCase& c, std::ostream* out) { *out << c.name; }

class SocketSpecs : public ::testing::TestWithParam<SocketCase> {};

TEST_P(SocketSpecs, AreRefusedByTheCheckAndByStartUpAlike) {
  const SocketCase& c = GetParam();
  MilterDaemon daemon;
  for (const char* mode : {"-n", "-f"}) {
    // Run in the test folder, so a spec taken as a file name would show there.
    std::string command =
        "cd '" + daemon.Path("") + "' && " + kBinary + " milter " + mode + " -p '" + c.spec + "'";
    int status = RunShell(command, daemon.Path("out"));
    std::string out = ReadAll(daemon.Path("out"));
    EXPECT_EQ(status, 78) << c.name << " " << mode << ": got " << status << ", want 78: " << out;
    EXPECT_NE(out.find(c.want), std::string::npos)
        << c.name << " " << mode << ": want '" << c.want << "' in " << out;
    EXPECT_NE(access(daemon.Path("bogus").c_str(), F_OK), 0) << c.name << ": a file was made";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Daemon, SocketSpecs,
    ::testing::Values(
        SocketCase{"NoFamily", "bogus", "invalid socket 'bogus': no family"},
        SocketCase{"PortOutOfRange", "inet:99999@127.0.0.1", "the port must be 1 to 65535"},
        SocketCase{"PortZero", "inet:0@127.0.0.1", "the port must be 1 to 65535"},
        SocketCase{"PortNotANumber", "inet:smtp@127.0.0.1", "the port must be 1 to 65535"},
        SocketCase{"NoHost", "inet:8891", "no host"},
        SocketCase{"RelativeUnixPath", "unix:milter.sock", "needs an absolute path"},
        SocketCase{"UnknownFamily", "tcp:8891@127.0.0.1", "unknown family 'tcp'"},
        SocketCase{"MissingDirectory", "unix:/nonexistent/rcptguard/milter.sock",
                   "the socket's directory '/nonexistent/rcptguard' is not a directory"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// `milter -n` refuses what start-up tolerates but an admin must hear about.
struct CheckCase {
  const char* name;
  const char* args;  // after -n -p unix:DIR/milter.sock; DIR is replaced
  const char* want;
};

void PrintTo(const CheckCase& c, std::ostream* out) { *out << c.name; }

class CheckConfig : public ::testing::TestWithParam<CheckCase> {};

TEST_P(CheckConfig, RefusesWithExConfigNamingTheProblem) {
  const CheckCase& c = GetParam();
  MilterDaemon daemon;
  mkdir(daemon.Path("a-directory").c_str(), 0700);
  DeepKeys(daemon.Path("deep.toml"));
  WriteAll(daemon.Path("private.toml"), "audit = false\n");
  chmod(daemon.Path("private.toml").c_str(), 0600);
  WriteAll(daemon.Path("a-file"), "x\n");
  WriteAll(daemon.Path("spool.toml"),
           "[milter]\nspool_directory = \"" + daemon.Path("a-file") + "\"\n");
  std::string args = c.args;
  for (size_t at; (at = args.find("DIR")) != std::string::npos;) {
    args.replace(at, 3, daemon.Path("").substr(0, daemon.Path("").size() - 1));
  }
  int status =
      RunShell(kBinary + " milter -n -p unix:" + daemon.socket() + " " + args, daemon.Path("out"));
  std::string out = ReadAll(daemon.Path("out"));
  EXPECT_EQ(status, 78) << c.name << ": got " << status << ", want 78: " << out;
  EXPECT_NE(out.find(c.want), std::string::npos)
      << c.name << ": want '" << c.want << "' in " << out;
}

INSTANTIATE_TEST_SUITE_P(
    Daemon, CheckConfig,
    ::testing::Values(
        CheckCase{"ConfigIsADirectory", "-c DIR/a-directory", "not a regular file"},
        CheckCase{"ConfigIsDevZero", "-c /dev/zero", "not a regular file"},
        CheckCase{"TrustedFileIsADirectory", "--trusted-file DIR/a-directory",
                  "not a regular file"},
        CheckCase{"SqliteStoreDirectoryMissing", "--store sqlite:///nonexistent/dir/h.db",
                  "the history store's directory '/nonexistent/dir' is not a directory"},
        CheckCase{"PostgresqlStoreUnreachable", "--store postgresql://nobody@127.0.0.1:1/x",
                  "the history store is not reachable"},
        CheckCase{"SpoolDirectoryIsAFile", "-c DIR/spool.toml", "milter.spool_directory '"},
        CheckCase{"UnknownUser", "-u no-such-user-rcptguard", "unknown user"},
        CheckCase{"UnreadableByTheDaemonUser", "-u nobody -c DIR/private.toml",
                  "Permission denied"},
        CheckCase{"DeepKeys", "-c DIR/deep.toml", "deep.toml"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// A socket that cannot be opened is reported with the OS's reason.
TEST(Daemon, AFailedListenNamesTheOsError) {
  MilterDaemon daemon;
  int taken = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  ASSERT_EQ(getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::string spec = "inet:" + std::to_string(ntohs(address.sin_port)) + "@127.0.0.1";
  int status = RunShell(kBinary + " milter -f -p " + spec, daemon.Path("out"));
  close(taken);
  std::string out = ReadAll(daemon.Path("out"));
  EXPECT_EQ(status, 69) << "got " << status << ", want EX_UNAVAILABLE: " << out;
  EXPECT_NE(out.find("cannot listen on milter socket '" + spec + "': Address already in use"),
            std::string::npos)
      << out;
}

// Relative -c and --trusted-file paths still work after the daemon has moved
// to / : a SIGHUP reads the new partner list.
TEST(Daemon, RelativePathsWorkForAReloadAfterDaemonizing) {
  MilterDaemon daemon;
  WriteAll(daemon.Path("rcptguard.toml"), "audit = false\n");
  WriteAll(daemon.Path("partners.txt"), "nato.int\n");
  std::string command =
      "cd '" + daemon.Path("") + "' && " + kBinary +
      " milter -c rcptguard.toml --trusted-file partners.txt -p unix:" + daemon.socket() + " -P " +
      daemon.Path("milter.pid");
  ASSERT_EQ(RunShell(command, daemon.Path("out")), 0) << ReadAll(daemon.Path("out"));
  pid_t supervisor = 0;
  ASSERT_TRUE(WaitFor([&] {
    supervisor = std::atoi(ReadAll(daemon.Path("milter.pid")).c_str());
    return supervisor > 0 && RcptReply(daemon.socket(), "a@example.org") != 'E';
  })) << ReadAll(daemon.Path("out"));
  EXPECT_EQ(RcptReply(daemon.socket(), "alice@fortexample.ml"), 'c');
  WriteAll(daemon.Path("partners.txt"), "nato.int\nfortexample.mil\n");
  kill(supervisor, SIGHUP);
  bool refused = WaitFor([&] { return RcptReply(daemon.socket(), "alice@fortexample.ml") == 'y'; });
  kill(supervisor, SIGTERM);
  EXPECT_TRUE(refused) << "the reload never took the new partner list";
  EXPECT_TRUE(WaitFor([&] { return access(daemon.Path("milter.pid").c_str(), F_OK) != 0; }));
}

// A fresh install has no /run/rcptguard: `-n` accepts a missing socket
// folder whose parent exists, and start-up makes it (mode 0750) and listens.
TEST(Daemon, AMissingSocketFolderIsMadeAtStartUp) {
  MilterDaemon daemon;
  std::string folder = daemon.Path("run-rcptguard");
  std::string socket_path = folder + "/milter.sock";
  ASSERT_NE(access(folder.c_str(), F_OK), 0);
  std::string check = kBinary + " milter -n -p unix:" + socket_path;
  EXPECT_EQ(RunShell(check, daemon.Path("out")), 0) << ReadAll(daemon.Path("out"));
  EXPECT_NE(access(folder.c_str(), F_OK), 0) << "-n must not make the folder";
  std::string start = kBinary + " milter -p unix:" + socket_path + " -P " + daemon.Path("milter.pid");
  ASSERT_EQ(RunShell(start, daemon.Path("out")), 0) << ReadAll(daemon.Path("out"));
  pid_t supervisor = 0;
  bool listening = WaitFor([&] {
    supervisor = std::atoi(ReadAll(daemon.Path("milter.pid")).c_str());
    return supervisor > 0 && RcptReply(socket_path, "a@example.org") != 'E';
  });
  struct stat info {};
  bool made = stat(folder.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  if (supervisor > 0) kill(supervisor, SIGTERM);
  EXPECT_TRUE(listening) << ReadAll(daemon.Path("out"));
  EXPECT_TRUE(made) << "got no folder " << folder << ", want one made at start-up";
  EXPECT_EQ(info.st_mode & 0777, 0750u) << "got mode " << std::oct << (info.st_mode & 0777);
  EXPECT_TRUE(WaitFor([&] { return access(daemon.Path("milter.pid").c_str(), F_OK) != 0; }));
}

// -V names each library with the version Debian's -dev package declares.
TEST(Daemon, VersionListsTheLibrariesWithTheirVersions) {
  MilterDaemon daemon;
  ASSERT_EQ(RunShell(kBinary + " -V", daemon.Path("top")), 0);
  ASSERT_EQ(RunShell(kBinary + " milter -V", daemon.Path("milter")), 0);
  std::string top = ReadAll(daemon.Path("top"));
  EXPECT_EQ(top, ReadAll(daemon.Path("milter")));
  EXPECT_EQ(top.rfind("rcptguard ", 0), 0u) << top;
  const std::pair<const char*, const char*> kLibraries[] = {
      {"ICU", "icu-uc"},      {"Hyperscan", "libhs"}, {"GMime", "gmime-3.0"},
      {"libidn2", "libidn2"}, {"SQLite", "sqlite3"},  {"libsodium", "libsodium"},
      {"zlib", "zlib"}};
  for (const auto& [name, module] : kLibraries) {
    RunShell(std::string("pkg-config --modversion ") + module, daemon.Path("pc"));
    std::string want = ReadAll(daemon.Path("pc"));
    want = want.substr(0, want.find('\n'));
    EXPECT_NE(top.find(std::string("  ") + name + " " + want + "\n"), std::string::npos)
        << name << ": want version " << want << " in\n"
        << top;
  }
  for (const char* name : {"libpsl", "libpq", "libmilter", "toml++"}) {
    EXPECT_NE(top.find(std::string("  ") + name + " "), std::string::npos) << name << "\n" << top;
  }
}

// --log json: every line is one JSON object with the ident asked for.
TEST(Daemon, JsonLogLinesCarryTheIdentAndTheMessage) {
  MilterDaemon daemon;
  ASSERT_TRUE(daemon.Start({"--log", "json", "--log-ident", "rcptguard-test"}));
  daemon.Stop();
  std::istringstream lines(daemon.Log());
  size_t count = 0;
  bool listening = false;
  for (std::string line; std::getline(lines, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    EXPECT_EQ(parsed.value("ident", ""), "rcptguard-test") << line;
    EXPECT_TRUE(parsed.contains("level") && parsed.contains("time") && parsed.contains("pid"))
        << line;
    listening = listening || parsed.value("message", "").rfind("listening on", 0) == 0;
    ++count;
  }
  EXPECT_GT(count, 2u);
  EXPECT_TRUE(listening) << daemon.Log();
}

TEST(Daemon, AnUnknownLogSinkOrFacilityIsAUsageError) {
  MilterDaemon daemon;
  EXPECT_EQ(RunShell(kBinary + " milter -n --log file", daemon.Path("out")), 64)
      << ReadAll(daemon.Path("out"));
  EXPECT_EQ(RunShell(kBinary + " milter -n --log-facility kern2", daemon.Path("out")), 64)
      << ReadAll(daemon.Path("out"));
  EXPECT_NE(ReadAll(daemon.Path("out")).find("unknown --log-facility 'kern2'"), std::string::npos);
}

}  // namespace
}  // namespace rcptguard
