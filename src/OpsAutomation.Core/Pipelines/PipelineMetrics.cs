using OpsAutomation.Models.Pipelines;
using Prometheus;

namespace OpsAutomation.Core.Pipelines;

/// <summary>The pipeline metrics of the module's registry: records by outcome, stage latency, the last run.</summary>
public sealed class PipelineMetrics
{
    private readonly Counter _records;
    private readonly Histogram _stage;
    private readonly Gauge _lastRun;
    private readonly Gauge _lastStatus;
    private readonly Gauge _lastRecordsPerSecond;
    private readonly Gauge _backlog;

    public PipelineMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _records = factory.CreateCounter("ops_pipeline_records_total", "Records handled by pipeline steps, by outcome (loaded, rejected, filtered).",
            new CounterConfiguration { LabelNames = ["pipeline", "step", "outcome"] });
        _stage = factory.CreateHistogram("ops_pipeline_stage_duration_seconds", "Time a pipeline step spends per batch in each stage (read, transform, load).",
            new HistogramConfiguration { LabelNames = ["pipeline", "step", "stage"], Buckets = Histogram.ExponentialBuckets(0.001, 4, 9) });
        _lastRun = factory.CreateGauge("ops_pipeline_last_run_timestamp_seconds", "When the last run of the pipeline ended.",
            new GaugeConfiguration { LabelNames = ["pipeline"] });
        _lastStatus = factory.CreateGauge("ops_pipeline_last_run_success", "1 when the last run of the pipeline loaded every record it did not reject on purpose (Succeeded or CompletedWithRejections), else 0.",
            new GaugeConfiguration { LabelNames = ["pipeline"] });
        _backlog = factory.CreateGauge("ops_pipeline_backlog_records", "Records a running step has read and not yet committed to its sink (its lag); 0 when it ends.",
            new GaugeConfiguration { LabelNames = ["pipeline", "step"] });
        _lastRecordsPerSecond = factory.CreateGauge("ops_pipeline_last_run_records_per_second", "Records read per second by the last run of the pipeline.",
            new GaugeConfiguration { LabelNames = ["pipeline"] });
    }

    public void CountRecords(string pipeline, string step, long loaded, long rejected, long filtered)
    {
        if (loaded > 0) _records.WithLabels(pipeline, step, "loaded").Inc(loaded);
        if (rejected > 0) _records.WithLabels(pipeline, step, "rejected").Inc(rejected);
        if (filtered > 0) _records.WithLabels(pipeline, step, "filtered").Inc(filtered);
    }

    public void SetBacklog(string pipeline, string step, long records) => _backlog.WithLabels(pipeline, step).Set(records);

    public void ObserveStage(string pipeline, string step, string stage, TimeSpan duration) => _stage.WithLabels(pipeline, step, stage).Observe(duration.TotalSeconds);

    public void RecordRun(PipelineRun run)
    {
        _lastRun.WithLabels(run.Pipeline).Set((run.EndedAt ?? run.StartedAt).ToUnixTimeMilliseconds() / 1000.0);
        _lastStatus.WithLabels(run.Pipeline).Set(run.Status is PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections ? 1 : 0);
        _lastRecordsPerSecond.WithLabels(run.Pipeline).Set(run.RecordsPerSecond);
    }
}
