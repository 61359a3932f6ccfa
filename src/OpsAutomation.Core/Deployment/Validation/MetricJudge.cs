using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Validation;

/// <summary>Turns one query answer into the verdict of a metric gate's evaluation, with a message that says why.</summary>
internal static class MetricJudge
{
    public static GateEvaluation Judge(MetricGate gate, int number, DateTimeOffset time, QueryResult result)
    {
        GateEvaluation Record(GateVerdict verdict, double? value, string message) => new()
        {
            Gate = gate.Name, Kind = GateKind.Metric, Number = number, Timestamp = time, Query = gate.Query, Value = value,
            Threshold = gate.Condition, Verdict = verdict, Message = message,
        };

        if (result.Error is { } error)
            return Record(GateVerdict.Error, null, result.Unreachable ? $"Prometheus was not reached: {error}" : error);
        var samples = result.Samples;
        if (samples.Count == 0)
            return Record(GateVerdict.NoData, null, NoData(gate, "the query returned no series"));
        if (samples.Count > 1 && gate.Reduce == SeriesReduction.None)
        {
            return Record(GateVerdict.Error, null, $"the query returned {samples.Count} series ({Describe(samples, 3)}); " +
                "set Reduce to Max, Min, Avg or Sum to compare one value, or to Each so that every series must pass");
        }

        var numbers = samples.Where(s => !double.IsNaN(s.Value)).ToList();
        var ignored = samples.Count - numbers.Count;
        if (numbers.Count == 0)
            return Record(GateVerdict.NoData, null, NoData(gate, samples.Count == 1 ? "the value is NaN" : $"all {samples.Count} series are NaN"));
        var nanNote = ignored > 0 ? $"; {ignored} NaN series left out" : "";

        if (gate.Reduce == SeriesReduction.Each)
        {
            var failing = numbers.Where(s => !Passes(gate, s.Value)).ToList();
            var worst = Worst(gate, numbers.Select(s => s.Value));
            if (failing.Count == 0)
                return Record(GateVerdict.Pass, worst, $"all {numbers.Count} series {gate.Condition} (worst {MetricGate.Number(worst)}){nanNote}");
            var shown = string.Join(", ", failing.Take(3).Select(s => $"{LabelText(s)} {Missed(gate, s.Value)}"));
            return Record(GateVerdict.Fail, Worst(gate, failing.Select(s => s.Value)),
                $"{failing.Count} of {numbers.Count} series fail: {shown}{(failing.Count > 3 ? ", ..." : "")}{nanNote}");
        }

        var (value, how) = samples.Count == 1 ? (numbers[0].Value, "") : gate.Reduce switch
        {
            SeriesReduction.Max => (numbers.Max(s => s.Value), "max"),
            SeriesReduction.Min => (numbers.Min(s => s.Value), "min"),
            SeriesReduction.Avg => (numbers.Average(s => s.Value), "avg"),
            _ => (numbers.Sum(s => s.Value), "sum"),
        };
        var of = how.Length == 0 ? "" : $" ({how} of {numbers.Count} series{nanNote})";
        return Passes(gate, value)
            ? Record(GateVerdict.Pass, value, $"{MetricGate.Number(value)} {gate.Condition}{of}")
            : Record(GateVerdict.Fail, value, $"{Missed(gate, value)}{of}");
    }

    public static bool Passes(MetricGate gate, double value) => gate.Comparison switch
    {
        GateComparison.LessThan => value < gate.Threshold,
        GateComparison.LessThanOrEqual => value <= gate.Threshold,
        GateComparison.GreaterThan => value > gate.Threshold,
        _ => value >= gate.Threshold,
    };

    /// <summary>A value that missed, as the relation it has: "0.18 &gt; 0.05", "0.05 &gt;= 0.05".</summary>
    public static string Missed(MetricGate gate, double value)
    {
        var relation = value > gate.Threshold ? ">"
            : value < gate.Threshold ? "<"
            : gate.Comparison == GateComparison.LessThan ? ">=" : "<=";
        return $"{MetricGate.Number(value)} {relation} {MetricGate.Number(gate.Threshold)}";
    }

    /// <summary>The value furthest on the failing side: the largest for an upper bound, the smallest for a lower one.</summary>
    public static double Worst(MetricGate gate, IEnumerable<double> values) =>
        gate.Comparison is GateComparison.LessThan or GateComparison.LessThanOrEqual ? values.Max() : values.Min();

    private static string NoData(MetricGate gate, string why) => $"no data ({why}); counted as {gate.NoData} (NoData={gate.NoData})";

    private static string Describe(IReadOnlyList<QuerySample> samples, int shown) =>
        string.Join(", ", samples.Take(shown).Select(LabelText)) + (samples.Count > shown ? ", ..." : "");

    private static string LabelText(QuerySample sample) =>
        "{" + string.Join(", ", sample.Labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}
