namespace OpsAutomation.Models.Alerting;

/// <summary>The state of one alert series of a Prometheus alerting rule, as Prometheus names them.</summary>
public enum RuleAlertState
{
    /// <summary>The expression returns nothing for the series (or it has resolved).</summary>
    Inactive,

    /// <summary>Returned, but not yet for the rule's 'for' duration.</summary>
    Pending,

    /// <summary>Returned for at least 'for', or kept firing by 'keep_firing_for'.</summary>
    Firing,
}

/// <summary>One alert series of an alerting rule after an evaluation (Invoke-PrometheusRule).</summary>
public sealed record RuleAlert
{
    /// <summary>The rule's alert name.</summary>
    public required string AlertName { get; init; }

    /// <summary>The rule group.</summary>
    public required string Group { get; init; }

    /// <summary>The rule file.</summary>
    public required string File { get; init; }

    /// <summary>The series' labels: the sample's labels, then the rule's (templates expanded), then alertname.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The rule's annotations with their templates expanded for this series.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The series' state after this evaluation.</summary>
    public required RuleAlertState State { get; init; }

    /// <summary>The sample value of the latest evaluation that returned the series.</summary>
    public double Value { get; init; }

    /// <summary>When the series was first returned (entered Pending); null when inactive.</summary>
    public DateTimeOffset? ActiveSince { get; init; }

    /// <summary>When the series started firing.</summary>
    public DateTimeOffset? FiredAt { get; init; }

    /// <summary>When a firing or pending series stopped being returned.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>The rule's PromQL expression.</summary>
    public required string Expression { get; init; }

    /// <summary>Why the rule could not be evaluated (a query error, a timeout, a template it cannot expand); null when it was.</summary>
    public string? Error { get; init; }

    /// <summary>Channels that accepted the notification of this evaluation.</summary>
    public IReadOnlyList<string> Delivered { get; init; } = [];

    /// <summary>Channels that refused it after retries, each with its reason.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    /// <summary>The evaluation time.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>What Test-PrometheusRule found in one rule file.</summary>
public sealed record RuleFileSummary
{
    /// <summary>The rule file.</summary>
    public required string File { get; init; }

    /// <summary>True when the file has no problem.</summary>
    public required bool Valid { get; init; }

    /// <summary>Rule groups in the file.</summary>
    public int GroupCount { get; init; }

    /// <summary>Valid alerting rules.</summary>
    public int AlertingRuleCount { get; init; }

    /// <summary>Valid recording rules.</summary>
    public int RecordingRuleCount { get; init; }

    /// <summary>Each problem as file:line: group, rule: message.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>When the file was checked.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
