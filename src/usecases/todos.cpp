#include "usecases/todos.hpp"

#include <algorithm>

namespace tocsin::usecases {
namespace {

// "@alice" stays "@alice" when alice is a user; a team's on-call handle
// ("@security-oncall") becomes the person on call now, so the todo names
// someone who can do it.
Result<std::vector<std::string>> ResolveAssignees(const Context& ctx, const std::vector<std::string>& raw,
                                                  TimePoint now) {
  if (raw.size() > kMaxTodoAssignees) {
    return InvalidArgument("assignees: at most " + std::to_string(kMaxTodoAssignees) + " people");
  }
  std::vector<std::string> out;
  std::shared_ptr<const core::escalation::Directory> directory;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const std::string& a = raw[k];
    std::string where = "assignees[" + std::to_string(k) + "]: ";
    if (a.size() < 2 || a[0] != '@') return InvalidArgument(where + "'" + a + "' is not a handle (write '@name')");
    std::string handle = a.substr(1);
    std::string person;
    if (ctx.config->FindUser(handle)) {
      person = handle;
    } else if (const core::Team* team = ctx.config->FindTeamByHandle(handle)) {
      if (!directory && ctx.directory) directory = ctx.directory();
      auto oncall = directory ? directory->TeamOnCall(team->id, now) : std::vector<core::escalation::Resolved>{};
      if (oncall.empty()) return InvalidArgument(where + "nobody is on call for '" + a + "' now");
      person = oncall.front().user;
    } else {
      return InvalidArgument(where + "'" + a + "' is neither a user nor a team's on-call handle");
    }
    std::string as_handle = "@" + person;
    if (std::find(out.begin(), out.end(), as_handle) == out.end()) out.push_back(std::move(as_handle));
  }
  return out;
}

Result<void> CheckContent(const std::string& content) {
  if (content.empty()) return InvalidArgument("content: must not be empty");
  if (content.size() > kMaxTodoContentBytes) {
    return InvalidArgument("content: longer than " + std::to_string(kMaxTodoContentBytes) + " bytes");
  }
  return {};
}

std::string Quote(const std::string& text) {
  constexpr std::size_t kShown = 120;
  return "\"" + (text.size() <= kShown ? text : text.substr(0, kShown) + "...") + "\"";
}

std::string Joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string OptTime(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : ""; }

// Applies `input` to `todo`, recording what changed.
Result<std::vector<core::Change>> Apply(const Context& ctx, core::Todo& todo, const TodoInput& input, TimePoint now) {
  std::vector<core::Change> changes;
  if (input.content && *input.content != todo.content) {
    if (auto ok = CheckContent(*input.content); !ok) return tl::unexpected(ok.error());
    changes.push_back({"content", todo.content, *input.content});
    todo.content = *input.content;
  }
  if (input.assignees) {
    auto resolved = ResolveAssignees(ctx, *input.assignees, now);
    if (!resolved) return tl::unexpected(resolved.error());
    if (*resolved != todo.assignees) {
      changes.push_back({"assignees", Joined(todo.assignees), Joined(*resolved)});
      todo.assignees = std::move(*resolved);
    }
  }
  if (input.due && *input.due != todo.due) {
    changes.push_back({"due_date", OptTime(todo.due), OptTime(*input.due)});
    todo.due = *input.due;
  }
  if (input.completed && input.completed->has_value() != todo.completed.has_value()) {
    changes.push_back({"completed", OptTime(todo.completed), OptTime(*input.completed)});
    todo.completed = *input.completed;
    if (!todo.completed) todo.completed_by_event.clear();  // reopened by hand
  }
  if (input.follow_up && *input.follow_up != todo.follow_up) {
    changes.push_back({"follow_up", todo.follow_up ? "true" : "false", *input.follow_up ? "true" : "false"});
    todo.follow_up = *input.follow_up;
  }
  return changes;
}

core::Todo* FindTodo(core::Incident& inc, const std::string& todo_id) {
  for (auto& t : inc.todos) {
    if (t.id == todo_id) return &t;
  }
  return nullptr;
}

void Touch(core::Mutation& m, const core::Actor& actor, TimePoint now) {
  m.incident.modified = now;
  m.incident.modified_by = actor;
  ++m.incident.version;
}

}  // namespace

Result<TodoResult> CreateTodo(const Context& ctx, const std::string& incident_id, const TodoInput& input,
                              const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  if (!input.content) return InvalidArgument("content: is required");
  if (auto ok = CheckContent(*input.content); !ok) return tl::unexpected(ok.error());
  core::Todo todo;
  todo.id = ctx.new_id();
  todo.created = todo.modified = now;
  todo.created_by = todo.modified_by = actor;
  auto changes = Apply(ctx, todo, input, now);
  if (!changes) return tl::unexpected(changes.error());
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    if (current.todos.size() >= kMaxTodosPerIncident) {
      return InvalidArgument("todos: an incident has at most " + std::to_string(kMaxTodosPerIncident));
    }
    core::Mutation m{current, {}, {}};
    m.incident.todos.push_back(todo);
    Touch(m, actor, now);
    std::string who = todo.assignees.empty() ? "" : " for " + Joined(todo.assignees);
    m.events.push_back({now, actor, "todo_added", "Todo added" + who + ": " + Quote(todo.content), {}});
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return TodoResult{std::move(*updated), std::move(todo)};
}

Result<TodoResult> UpdateTodo(const Context& ctx, const std::string& incident_id, const std::string& todo_id,
                              const TodoInput& input, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  core::Todo result;
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    core::Todo* todo = FindTodo(m.incident, todo_id);
    if (!todo) return NotFound("todo " + todo_id + " not found on incident " + incident_id);
    auto changes = Apply(ctx, *todo, input, now);
    if (!changes) return tl::unexpected(changes.error());
    if (changes->empty()) {
      result = *todo;
      return core::Mutation{current, {}, {}};  // nothing changed: nothing written
    }
    todo->modified = now;
    todo->modified_by = actor;
    result = *todo;
    Touch(m, actor, now);
    bool ticked = changes->size() == 1 && changes->front().field == "completed";
    std::string what = ticked ? (todo->completed ? "Todo done: " : "Todo reopened: ") : "Todo changed: ";
    m.events.push_back({now, actor, ticked && todo->completed ? "todo_completed" : "todo_updated",
                        what + Quote(todo->content), std::move(*changes)});
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return TodoResult{std::move(*updated), std::move(result)};
}

Result<void> DeleteTodo(const Context& ctx, const std::string& incident_id, const std::string& todo_id,
                        const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    auto it = std::find_if(m.incident.todos.begin(), m.incident.todos.end(),
                           [&](const core::Todo& t) { return t.id == todo_id; });
    if (it == m.incident.todos.end()) return NotFound("todo " + todo_id + " not found on incident " + incident_id);
    m.events.push_back({now, actor, "todo_removed", "Todo removed: " + Quote(it->content), {}});
    m.incident.todos.erase(it);
    Touch(m, actor, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return {};
}

}  // namespace tocsin::usecases
