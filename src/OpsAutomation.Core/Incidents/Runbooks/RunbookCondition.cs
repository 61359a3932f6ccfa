using System.Text.Json;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health.Conditions;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Incidents.Runbooks;

/// <summary>
/// When a step runs: comparisons over the incident (the health engine's JSON conditions, such as
/// <c>severityLevel &gt;= 2</c>, <c>service =~ "^web"</c>, <c>signal.details.reason == "CrashLoopBackOff"</c>,
/// <c>previous.outcome == "Failed"</c>), combined by a list (all hold), or a map of one of All, Any or
/// Not. Nesting is bounded by <see cref="MaxDepth"/>, so no file can exhaust the stack.
/// </summary>
public sealed class RunbookCondition
{
    /// <summary>The deepest nesting of All, Any and Not a condition may have.</summary>
    public const int MaxDepth = 8;

    private static readonly string[] Combinators = ["All", "Any", "Not"];

    private readonly string _kind;
    private readonly JsonCondition? _leaf;
    private readonly IReadOnlyList<RunbookCondition> _children;

    private RunbookCondition(string kind, JsonCondition? leaf, IReadOnlyList<RunbookCondition> children)
    {
        _kind = kind;
        _leaf = leaf;
        _children = children;
    }

    /// <summary>Parses the value at <paramref name="key"/> of <paramref name="map"/>; a bad one is a <see cref="ConfigurationException"/> naming the key path.</summary>
    public static RunbookCondition Parse(ConfigurationMap map, string key) => Parse(map.GetValue(key), map.Origin, map.KeyPath(key), 0);

    private static RunbookCondition Parse(object? value, string origin, string path, int depth)
    {
        if (depth > MaxDepth)
            throw new ConfigurationException($"the condition nests deeper than {MaxDepth} levels of All, Any and Not", origin, path);
        switch (value)
        {
            case string text:
                try
                {
                    return new RunbookCondition("leaf", JsonCondition.Parse(text), []);
                }
                catch (FormatException ex)
                {
                    throw new ConfigurationException($"{ex.Message}; fields: {ConditionFields}", origin, path);
                }
            case IList<object?> list:
                if (list.Count == 0) throw new ConfigurationException("an empty list of conditions; give at least one", origin, path);
                return new RunbookCondition("All", null, [.. list.Select((item, i) => Parse(item, origin, ConfigurationTree.Item(path, i), depth + 1))]);
            case IReadOnlyDictionary<string, object?> map:
                var keys = map.Keys.ToList();
                if (keys.Count != 1 || !Combinators.Contains(keys[0], StringComparer.OrdinalIgnoreCase))
                    throw new ConfigurationException($"a condition map has exactly one key, All, Any or Not, not {(keys.Count == 0 ? "none" : string.Join(", ", keys))}", origin, path);
                var kind = Combinators.First(c => c.Equals(keys[0], StringComparison.OrdinalIgnoreCase));
                var inner = map[keys[0]];
                var childPath = ConfigurationTree.Child(path, kind);
                if (kind == "Not") return new RunbookCondition("Not", null, [Parse(inner, origin, childPath, depth + 1)]);
                if (inner is not IList<object?> items || items.Count == 0)
                    throw new ConfigurationException($"{kind} takes a list of one or more conditions", origin, childPath);
                return new RunbookCondition(kind, null, [.. items.Select((item, i) => Parse(item, origin, ConfigurationTree.Item(childPath, i), depth + 1))]);
            default:
                throw new ConfigurationException(
                    $"a condition is a string such as 'severityLevel >= 2', a list of them, or a map of All, Any or Not; not {ConfigurationFileReader.Describe(value)}", origin, path);
        }
    }

    /// <summary>The fields a condition may compare, for messages and help.</summary>
    public const string ConditionFields =
        "service, severity, severityLevel (0 Info to 3 Critical), state, fingerprint, title, signal.kind, signal.summary, signal.details.NAME, signals, previous.outcome, previous.action, steps.NAME";

    /// <summary>Null when the condition holds over <paramref name="context"/>; else why not.</summary>
    public string? Evaluate(JsonElement context) => Evaluate(context, 0);

    private string? Evaluate(JsonElement context, int depth)
    {
        switch (_kind)
        {
            case "leaf":
                return _leaf!.Evaluate(context);
            case "Not":
                return _children[0].Evaluate(context, depth + 1) is null ? $"not ({Text})" : null;
            case "Any":
                var reasons = new List<string>();
                foreach (var child in _children)
                {
                    if (child.Evaluate(context, depth + 1) is not { } reason) return null;
                    reasons.Add(reason);
                }
                return $"none of: {string.Join("; ", reasons)}";
            default:
                foreach (var child in _children)
                {
                    if (child.Evaluate(context, depth + 1) is { } reason) return reason;
                }
                return null;
        }
    }

    /// <summary>The condition as written, roughly: for messages.</summary>
    public string Text => _kind switch
    {
        "leaf" => _leaf!.Text,
        "Not" => $"not ({_children[0].Text})",
        _ => string.Join(_kind == "Any" ? " or " : " and ", _children.Select(c => c._kind is "leaf" or "Not" ? c.Text : $"({c.Text})")),
    };

    /// <summary>
    /// What a condition sees: the incident (service, severity, severityLevel, state, fingerprint,
    /// title), its latest firing signal (signal.kind, signal.summary, signal.details), its signal
    /// count, the previous step (previous.step, previous.action, previous.outcome, previous.message)
    /// and the outcome of every earlier step by name (steps.NAME).
    /// </summary>
    public static JsonDocument Context(Incident incident, IReadOnlyList<RunbookStepResult> earlier)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(earlier);
        var signal = incident.Signals.LastOrDefault(s => s.Firing) ?? (incident.Signals.Count > 0 ? incident.Signals[^1] : null);
        var details = new JsonObject();
        foreach (var (key, value) in signal?.Details ?? new Dictionary<string, string>()) details[key] = value;
        var steps = new JsonObject();
        foreach (var step in earlier) steps[step.Step] = step.Outcome.ToString();
        var previous = earlier.Count == 0 ? null : earlier[^1];
        var root = new JsonObject
        {
            ["id"] = incident.Id,
            ["service"] = incident.Service,
            ["severity"] = incident.Severity.ToString(),
            ["severityLevel"] = (int)incident.Severity,
            ["state"] = incident.State.ToString(),
            ["fingerprint"] = incident.Fingerprint,
            ["title"] = incident.Title,
            ["signals"] = incident.Signals.Count,
            ["signal"] = signal is null ? null : new JsonObject
            {
                ["kind"] = signal.Kind.ToString(), ["fingerprint"] = signal.Fingerprint, ["summary"] = signal.Summary, ["firing"] = signal.Firing, ["details"] = details,
            },
            ["previous"] = previous is null ? null : new JsonObject
            {
                ["step"] = previous.Step, ["action"] = previous.Action, ["outcome"] = previous.Outcome.ToString(), ["message"] = previous.Message,
            },
            ["steps"] = steps,
        };
        return JsonDocument.Parse(root.ToJsonString());
    }
}
