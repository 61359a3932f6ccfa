using System.Globalization;
using OpsAutomation.Core.Deployment;
using OpsAutomation.Core.Reporting.Charts;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Reporting.Site;

/// <summary>The status site's charts, each built from what the state store keeps (the drawing is the Charts primitives').</summary>
internal static class SiteCharts
{
    /// <summary>Each service's status over the window: a result's status holds until the next result (the last one until now).</summary>
    public static StatusTimelineChart HealthTimeline(IReadOnlyList<ServiceHealth> services, DateTimeOffset from, DateTimeOffset to) => new()
    {
        Title = "Service health over the window",
        Id = "health-timeline",
        From = from,
        To = to,
        Lanes = [.. services.Select(s => new StatusLane(s.Name, [.. s.Window.Select((r, i) => new StatusSegment(
            r.Timestamp, i + 1 < s.Window.Count ? s.Window[i + 1].Timestamp : to, r.Status.ToString())
        {
            // HealthStatus ranks from best to worst: a short outage between healthy results is never merged away.
            Rank = (int)r.Status,
            Title = $"{s.Name}: {r.Status} at {SitePage.Time(r.Timestamp)}{(r.Error is null ? "" : $" ({r.Error})")}",
        })]))],
    };

    /// <summary>
    /// The replica counts of every rollout of a run, drawn as steps (a count holds until the next sample): desired,
    /// updated, ready and available of one Deployment; of several (a canary beside its stable, two colours) the ready
    /// pods of each, which is how the traffic moved between them, in a legend that stays readable.
    /// </summary>
    public static LineChart Replicas(string id, IReadOnlyList<RolloutDetail> rollouts)
    {
        var names = rollouts.Select(r => r.Name).Distinct(StringComparer.Ordinal).ToList();
        (string Name, Func<Models.Deployment.RolloutSample, int> Value)[] counts = names.Count == 1
            ? [("desired", s => s.Desired), ("updated", s => s.Updated), ("ready", s => s.Ready), ("available", s => s.Available)]
            : [("ready", s => s.Ready)];
        var series = new List<ChartSeries>();
        foreach (var name in names)
        {
            var samples = rollouts.Where(r => r.Name == name).SelectMany(r => r.History).OrderBy(s => s.Timestamp).ToList();
            foreach (var (count, value) in counts)
                series.Add(new ChartSeries(names.Count == 1 ? count : $"{name} {count}", Steps(samples.Select(s => new TimePoint(s.Timestamp, value(s))).ToList())));
        }
        return new LineChart { Title = "Replicas during the rollout", Id = id, Unit = "pods", YMin = 0, Series = series };
    }

    /// <summary>One chart per metric gate: its value at each evaluation, a series per validation stage, against its threshold.</summary>
    public static IEnumerable<(string Gate, LineChart Chart)> Gates(string idPrefix, IReadOnlyList<ValidationDetail> validations)
    {
        var evaluated = validations
            .SelectMany(v => v.Gates.Select(g => (v.Stage, Gate: g)))
            .Where(x => x.Gate.Evaluations is { Count: > 0 } e && e.Any(v => v.ThresholdValue is not null))
            .GroupBy(x => x.Gate.Gate, StringComparer.Ordinal);
        var index = 0;
        foreach (var gate in evaluated)
        {
            var stages = gate.ToList();
            var thresholds = stages.SelectMany(s => s.Gate.Evaluations!).Where(e => e.ThresholdValue is not null)
                .Select(e => (e.Threshold, Value: e.ThresholdValue!.Value)).Distinct()
                .Select(t => new ChartThreshold(t.Value, $"threshold {t.Threshold}")).ToList();
            yield return (gate.Key, new LineChart
            {
                Title = $"Gate {gate.Key}: values against the threshold",
                Id = $"{idPrefix}-gate-{++index}",
                Series = [.. stages.Select(s => new ChartSeries(stages.Count == 1 ? gate.Key : $"{gate.Key} ({s.Stage})",
                    [.. s.Gate.Evaluations!.Where(e => e.Value is not null).Select(e => new TimePoint(e.Timestamp, e.Value!.Value))]))],
                Thresholds = thresholds,
            });
        }
    }

    /// <summary>Records read per second by each run, oldest run first.</summary>
    public static LineChart Throughput(string id, PipelineHistory pipeline) => new()
    {
        Title = $"{pipeline.Pipeline}: throughput per run",
        Id = id,
        Unit = "records/s",
        YMin = 0,
        Series = [new ChartSeries("records/s", [.. pipeline.Runs.Where(r => r.Duration > TimeSpan.Zero).Select(r => new TimePoint(r.StartedAt, r.RecordsPerSecond))])],
    };

    /// <summary>Loaded and rejected records of each run, oldest run first.</summary>
    public static BarChart Rejects(string id, PipelineHistory pipeline) => new()
    {
        Title = $"{pipeline.Pipeline}: loaded and rejected records per run",
        Id = id,
        Unit = "records",
        ValueName = "loaded",
        StackedName = "rejected",
        Items = [.. pipeline.Runs.AsEnumerable().Reverse().Select(r => new BarItem(SitePage.Time(r.StartedAt), r.Loaded)
        {
            Stacked = r.Rejected,
            Title = string.Create(CultureInfo.InvariantCulture, $"run {r.RunId} ({r.Status}): {r.Loaded} loaded, {r.Rejected} rejected, {r.DeadLettered} dead-lettered"),
        })],
    };

    /// <summary>A count as a step: the value before each change is held until the change's time.</summary>
    private static List<TimePoint> Steps(List<TimePoint> points)
    {
        var steps = new List<TimePoint>(points.Count * 2);
        for (var i = 0; i < points.Count; i++)
        {
            if (i > 0 && points[i].Value != points[i - 1].Value) steps.Add(new TimePoint(points[i].Time, points[i - 1].Value));
            steps.Add(points[i]);
        }
        return steps;
    }
}
