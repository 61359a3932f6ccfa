using System.Globalization;

namespace OpsAutomation.Models.Deployment;

/// <summary>
/// A PromQL query evaluated <see cref="Count"/> times, <see cref="Interval"/> apart, each value
/// compared with a threshold. It fails once more evaluations fail than <see cref="FailureLimit"/>
/// tolerates, is inconclusive past <see cref="InconclusiveLimit"/>, and fails past
/// <see cref="ErrorLimit"/> evaluations that could not be made.
/// </summary>
public sealed record MetricGate
{
    /// <summary>The gate's name, as messages and records show it (such as error-ratio).</summary>
    public required string Name { get; init; }

    /// <summary>An instant PromQL query returning one series or a scalar (or several, with <see cref="Reduce"/>).</summary>
    public required string Query { get; init; }

    /// <summary>How the value must compare to <see cref="Threshold"/> to pass.</summary>
    public required GateComparison Comparison { get; init; }

    /// <summary>The value compared with.</summary>
    public required double Threshold { get; init; }

    /// <summary>The time between the starts of two evaluations. Default 30 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Evaluations made, unless a limit is passed first. Default 5.</summary>
    public int Count { get; init; } = 5;

    /// <summary>Failed evaluations tolerated; one more fails the gate. Default 0.</summary>
    public int FailureLimit { get; init; }

    /// <summary>Inconclusive evaluations tolerated; one more makes the gate Inconclusive. Default 0.</summary>
    public int InconclusiveLimit { get; init; }

    /// <summary>Evaluations that could not be made (query errors) tolerated; one more fails the gate. Default 0.</summary>
    public int ErrorLimit { get; init; }

    /// <summary>What an empty result or NaN counts as. Default Fail.</summary>
    public NoDataPolicy NoData { get; init; } = NoDataPolicy.Fail;

    /// <summary>How several series are treated. Default None: several series are an Error evaluation.</summary>
    public SeriesReduction Reduce { get; init; } = SeriesReduction.None;

    /// <summary>The condition as written: "&lt; 0.05".</summary>
    public string Condition => $"{ComparisonSymbol(Comparison)} {Number(Threshold)}";

    /// <summary>&lt;, &lt;=, &gt; or &gt;=.</summary>
    public static string ComparisonSymbol(GateComparison comparison) => comparison switch
    {
        GateComparison.LessThan => "<",
        GateComparison.LessThanOrEqual => "<=",
        GateComparison.GreaterThan => ">",
        _ => ">=",
    };

    /// <summary>A value as records and messages show it: up to 6 significant digits, invariant.</summary>
    public static string Number(double value) => double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("G6", CultureInfo.InvariantCulture);
}
