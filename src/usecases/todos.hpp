#pragma once
// Todos on an incident (Datadog's incident todos): add, change, tick, remove.
// Each change is one incident mutation with its timeline event, so the todo
// list and the timeline never disagree.

#include <optional>
#include <string>
#include <vector>

#include "usecases/incidents.hpp"

namespace tocsin::usecases {

// What a create or a PATCH sets. Unset members are left as they are (on
// create: content is required, the rest empty).
struct TodoInput {
  std::optional<std::string> content;
  std::optional<std::vector<std::string>> assignees;  // "@handle": users, or a team's on-call handle
  std::optional<std::optional<TimePoint>> due;        // engaged nullopt: clear
  std::optional<std::optional<TimePoint>> completed;  // engaged nullopt: reopen
  std::optional<bool> follow_up;                      // a post-mortem action item
};

// Limits, in bytes / items.
inline constexpr std::size_t kMaxTodoContentBytes = 4096;
inline constexpr std::size_t kMaxTodoAssignees = 20;
inline constexpr std::size_t kMaxTodosPerIncident = 500;

struct TodoResult {
  core::Incident incident;
  core::Todo todo;
};

Result<TodoResult> CreateTodo(const Context& ctx, const std::string& incident_id, const TodoInput& input,
                              const core::Actor& actor);
// kNotFound when the incident or the todo does not exist.
Result<TodoResult> UpdateTodo(const Context& ctx, const std::string& incident_id, const std::string& todo_id,
                              const TodoInput& input, const core::Actor& actor);
Result<void> DeleteTodo(const Context& ctx, const std::string& incident_id, const std::string& todo_id,
                        const core::Actor& actor);

}  // namespace tocsin::usecases
