using OpsAutomation.Models.Health;

namespace OpsAutomation.Models.Deployment;

/// <summary>
/// Health checks (the module's health engine: a catalog's services, URIs or a Service URL) run
/// every <see cref="Interval"/> until every check has passed <see cref="SuccessCount"/> rounds in
/// a row. More failed rounds than <see cref="FailureLimit"/>, or a <see cref="Window"/> that ends
/// first, fail the gate.
/// </summary>
public sealed record HealthGate
{
    /// <summary>The gate's name, as messages and records show it.</summary>
    public required string Name { get; init; }

    /// <summary>The checks of one round; a round passes when every one passes.</summary>
    public required IReadOnlyList<HealthCheckDefinition> Checks { get; init; }

    /// <summary>Passing rounds needed in a row. Default 3.</summary>
    public int SuccessCount { get; init; } = 3;

    /// <summary>The time between the starts of two rounds. Default 10 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the gate runs; when it ends before the passes in a row, the gate fails. Default 5 min.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed rounds tolerated (each resets the run of passes); one more fails the gate. Default 0.</summary>
    public int FailureLimit { get; init; }

    /// <summary>A Degraded result (slower than MaxResponseTimeSec) fails the round; by default it passes.</summary>
    public bool FailOnDegraded { get; init; }
}
