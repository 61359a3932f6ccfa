namespace OpsAutomation.Models.Deployment;

/// <summary>One evaluation of a gate: one query of a metric gate, or one check of a health gate's round.</summary>
public sealed record GateEvaluation
{
    /// <summary>The gate's name.</summary>
    public required string Gate { get; init; }

    /// <summary>Health or Metric.</summary>
    public required GateKind Kind { get; init; }

    /// <summary>The evaluation's number within its gate, from 1 (a health gate's round number).</summary>
    public required int Number { get; init; }

    /// <summary>When it was made (the query's evaluation time).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The PromQL query, or the health check's name and target.</summary>
    public required string Query { get; init; }

    /// <summary>The value compared (a health check's response time in seconds); null when there was none.</summary>
    public double? Value { get; init; }

    /// <summary>The condition for a pass: "&lt; 0.05", or "Healthy".</summary>
    public required string Threshold { get; init; }

    /// <summary>Pass, Fail, NoData or Error.</summary>
    public required GateVerdict Verdict { get; init; }

    /// <summary>Why, as a person reads it: "0.18 &gt; 0.05", "no data (empty result); counted as Fail by NoData=Fail".</summary>
    public required string Message { get; init; }
}
