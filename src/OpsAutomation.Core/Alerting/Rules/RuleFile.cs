namespace OpsAutomation.Core.Alerting.Rules;

/// <summary>A Prometheus rule file as read: its groups in order.</summary>
public sealed record RuleFile(string Path, IReadOnlyList<RuleGroup> Groups);

/// <summary>A rule group; <see cref="Interval"/> is null when the file leaves it to the global setting.</summary>
public sealed record RuleGroup(string Name, TimeSpan? Interval, int Line, IReadOnlyList<Rule> Rules);

/// <summary>
/// One alerting rule (<see cref="IsAlert"/>) or recording rule, with its templates compiled.
/// Labels and annotations keep their order from the file.
/// </summary>
public sealed record Rule(string Name, bool IsAlert, string Expression, TimeSpan For, TimeSpan KeepFiringFor,
    IReadOnlyList<KeyValuePair<string, RuleTemplate>> Labels, IReadOnlyList<KeyValuePair<string, RuleTemplate>> Annotations, int Line);

/// <summary>One problem of a rule file, located as promtool locates it: file, line, group and rule.</summary>
public sealed record RuleFileProblem(string File, int Line, string? Group, string? Rule, string Message)
{
    /// <summary>
    /// A problem promtool check rules reports only as a lint (a duplicate rule): Prometheus still loads
    /// and evaluates the rule, so the rule stays in its group.
    /// </summary>
    public bool IsLint { get; init; }

    public override string ToString()
    {
        var where = Group is null ? "" : Rule is null ? $" group \"{Group}\":" : $" group \"{Group}\", rule \"{Rule}\":";
        return $"{File}:{Line}:{where} {Message}";
    }
}
