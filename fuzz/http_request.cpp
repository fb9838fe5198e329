// A whole request through the API handler (api/v2/api.hpp ApiV2::Handle),
// with the v-commerce configuration, an in-memory store, a fake clock and one
// key of each kind. The input is
//   byte 0:   who calls: 0 the API key pair, 1 the ingestion key, 2 no key
//   then      "METHOD TARGET\n" ("name: value\n")* "\n" body
// The request is split the way http::Server does (PercentDecode and
// ParseQueryString over the target). Oracles: the handler neither crashes nor
// throws, and never answers 500 (bad input is the caller's error, 4xx).
// The store is rebuilt every kRequestsPerStore inputs to bound memory. Channel
// tests are skipped: they would send real notifications.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

#include "api/v2/api.hpp"
#include "app/app.hpp"
#include "app/oncall.hpp"
#include "common/clock.hpp"
#include "fuzz_support.hpp"
#include "http/message.hpp"

namespace {

using namespace tocsin;

constexpr int kRequestsPerStore = 2000;

struct World {
  core::Config config;
  FakeClock clock{fuzz::FixedNow()};
  std::unique_ptr<core::Store> store;
  std::unique_ptr<app::OnCallDirectory> directory;
  std::unique_ptr<api::v2::ApiV2> api;
  std::string api_key, app_key, ingest_key;
  int uses = 0;
  std::int64_t next_id = 1;

  World() {
    config = fuzz::ExampleConfig();
    config.storage.driver = "memory";
    auto s = app::OpenStore(config);
    if (!s) Die("store", s.error().message);
    store = std::move(*s);
    auto d = app::OnCallDirectory::Create(std::make_shared<const core::Config>(config), *store);
    if (!d) Die("directory", d.error().message);
    directory = std::move(*d);
    std::string user = config.users.empty() ? "tester" : config.users.front().handle;
    auto key = app::CreateKey(*store, "fuzz", user, "api", clock.Now(), "admin");
    if (!key) Die("key", key.error().message);
    api_key = key->api_key;
    app_key = key->app_key;
    auto ingest = app::CreateKey(*store, "fuzz-ingest", "monitoring", "ingest", clock.Now());
    if (!ingest) Die("ingest key", ingest.error().message);
    ingest_key = ingest->api_key;

    api::v2::ApiContext ctx;
    ctx.config = api::v2::ConfigRef(core::FixedConfig(config));
    ctx.store = store.get();
    ctx.clock = &clock;
    ctx.new_id = [this] {
      char buf[40];
      std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012lld", static_cast<long long>(next_id++));
      return std::string(buf);
    };
    ctx.ready = [] { return true; };
    ctx.wake_outbox = [] {};
    app::OnCallDirectory* dir = directory.get();
    ctx.directory = [dir] { return dir->Get(); };
    ctx.add_override = [this, dir](const std::string& schedule, const core::schedule::Override& o,
                                   const core::Actor& actor) {
      return dir->AddOverride(schedule, o, actor, clock.Now(), "ovr-" + std::to_string(next_id++));
    };
    ctx.remove_override = [this, dir](const std::string& schedule, const std::string& id, const core::Actor& actor) {
      return dir->RemoveOverride(schedule, id, actor, clock.Now());
    };
    api = std::make_unique<api::v2::ApiV2>(std::move(ctx));
  }

  [[noreturn]] static void Die(const char* what, const std::string& message) {
    std::fprintf(stderr, "fuzz_http_request setup: %s: %s\n", what, message.c_str());
    std::abort();
  }
};

std::unique_ptr<World> world;

// Reads up to '\n' from `in`; false at the end.
bool Line(std::string_view& in, std::string_view& line) {
  if (in.empty()) return false;
  std::size_t nl = in.find('\n');
  line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  if (!world || ++world->uses > kRequestsPerStore) {
    world.reset();
    world = std::make_unique<World>();
  }
  World& w = *world;
  std::string_view in = fuzz::AsText(data + 1, size - 1);

  http::Request req;
  std::string_view line;
  if (!Line(in, line)) return 0;
  std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  req.method = std::string(line.substr(0, sp));
  req.target = std::string(line.substr(sp + 1));
  while (Line(in, line) && !line.empty()) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers[name] = std::string(value);
  }
  req.body = std::string(in);
  switch (data[0] % 3) {
    case 0:
      req.headers["dd-api-key"] = w.api_key;
      req.headers["dd-application-key"] = w.app_key;
      break;
    case 1:
      req.headers["authorization"] = "Bearer " + w.ingest_key;
      break;
    default:
      break;
  }
  req.request_id = "fuzz";
  req.remote_address = "127.0.0.1";
  std::string_view target = req.target;
  std::size_t q = target.find('?');
  auto path = http::PercentDecode(target.substr(0, q), false);
  auto query = http::ParseQueryString(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (!path || !query) return 0;  // the server answers 400 itself
  req.path = std::move(*path);
  req.query = std::move(*query);
  // POST /api/v2/channels/NAME/test sends a real notification (Slack, email,
  // ...) synchronously: the fuzzer must not reach the network.
  if (req.path.find("channels") != std::string::npos && req.path.find("test") != std::string::npos) return 0;

  http::Response res;
  try {
    res = w.api->Handle(req);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handler threw: %s\n", e.what());
    std::abort();
  }
  if (res.status == 500) {
    std::fprintf(stderr, "500 for %s %s: %s\n", req.method.c_str(), req.target.c_str(), res.body.c_str());
    std::abort();
  }
  // TOCSIN_FUZZ_VERBOSE=1 prints each answer (to check that the seeds reach
  // the handlers they are meant for, e.g. with `fuzz_http_request SEED...`).
  static const bool verbose = std::getenv("TOCSIN_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%d %s %s: %.200s\n", res.status, req.method.c_str(), req.target.c_str(), res.body.c_str());
  w.clock.Advance(std::chrono::seconds(1));
  return 0;
}
