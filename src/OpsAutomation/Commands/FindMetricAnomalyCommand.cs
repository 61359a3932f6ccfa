using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Alerting.Rules;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Incidents.Anomalies;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Incidents;
using OpsAutomation.Models.Metrics;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Commands;

/// <summary>
/// Finds anomalies in metric history - a Prometheus range query, the module's kept samples, or
/// samples on the pipeline - with a robust z-score, a seasonal baseline and a level-shift test,
/// and writes each as an explained MetricAnomaly.
/// </summary>
[Cmdlet(VerbsCommon.Find, "MetricAnomaly", HelpUri = "docs/Find-MetricAnomaly.md", DefaultParameterSetName = PrometheusSet)]
[OutputType(typeof(MetricAnomaly))]
public sealed class FindMetricAnomalyCommand : OpsCmdlet
{
    private const string PrometheusSet = "Prometheus";
    private const string StateSet = "State";
    private const string SampleSet = "Sample";

    private readonly List<MetricSample> _samples = [];
    private AnomalyOptions _options = new();
    private DateTimeOffset _now;

    /// <summary>The Prometheus server to ask, such as http://127.0.0.1:9090.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PrometheusSet)]
    [ValidateNotNull]
    public Uri PrometheusUri { get; set; } = null!;

    /// <summary>The PromQL expression whose range is judged; each series of its answer is judged on its own.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PrometheusSet)]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = "";

    /// <summary>The step of the range query. Default one minute.</summary>
    [Parameter(ParameterSetName = PrometheusSet)]
    public TimeSpan Step { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Kept metrics to judge, by name (wildcards), from the state store.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StateSet)]
    [ValidateNotNullOrEmpty]
    public string[] Metric { get; set; } = [];

    /// <summary>Labels a kept series must have, name = value (wildcards in values).</summary>
    [Parameter(ParameterSetName = StateSet)]
    public Hashtable? Label { get; set; }

    /// <summary>The state directory whose kept samples are read.</summary>
    [Parameter(ParameterSetName = StateSet)]
    public string? StatePath { get; set; }

    /// <summary>Samples to judge, such as Get-PrometheusMetric's, grouped into series by name and labels, each at its timestamp (else when it was scraped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SampleSet)]
    public MetricSample[] InputObject { get; set; } = [];

    /// <summary>The start of the history read. Default seven days before -End.</summary>
    [Parameter(ParameterSetName = PrometheusSet)]
    [Parameter(ParameterSetName = StateSet)]
    public DateTimeOffset? Start { get; set; }

    /// <summary>The end of the history read. Default now.</summary>
    [Parameter(ParameterSetName = PrometheusSet)]
    [Parameter(ParameterSetName = StateSet)]
    public DateTimeOffset? End { get; set; }

    /// <summary>Report only anomalies that end at or after this time; the history before it is baseline only.</summary>
    [Parameter]
    public DateTimeOffset? Since { get; set; }

    /// <summary>The detectors to run (RobustZScore, Seasonal, LevelShift). Default all three.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public AnomalyDetector[] Detector { get; set; } = [AnomalyDetector.RobustZScore, AnomalyDetector.Seasonal, AnomalyDetector.LevelShift];

    /// <summary>The score threshold: robust standard deviations from the baseline. Higher finds fewer, larger anomalies. Default 4.</summary>
    [Parameter]
    [Alias("Threshold")]
    [ValidateRange(0.001, 1e6)]
    public double Sensitivity { get; set; } = AnomalyOptions.DefaultSensitivity;

    /// <summary>The shortest anomaly reported (shorter runs, such as a flap, are dropped). Default three samples.</summary>
    [Parameter]
    public TimeSpan? MinDuration { get; set; }

    /// <summary>The smallest absolute difference from the baseline that counts, in the metric's unit. Default 0.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinChange { get; set; }

    /// <summary>Season periods. Default a day and a week; each series uses the longest it covers three times (else more than twice).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public TimeSpan[] Season { get; set; } = [TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    /// <summary>The trailing history each point is judged against. Default 60 samples.</summary>
    [Parameter]
    public TimeSpan? Window { get; set; }

    /// <summary>The service named on each anomaly. Default the series' service label, else its job label.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Service { get; set; }

    /// <summary>The limit of the range query, in seconds. Default 30.</summary>
    [Parameter(ParameterSetName = PrometheusSet)]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; } = 30;

    /// <summary>The largest answer read, in bytes (64MB and the like work). A week of one-minute points is about 300 KB per series. Default 64 MiB.</summary>
    [Parameter(ParameterSetName = PrometheusSet)]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxResponseBytes { get; set; } = 64 * HttpLimits.MiB;

    /// <summary>Retries of a query that failed to connect, timed out or got a 5xx answer. Default 0.</summary>
    [Parameter(ParameterSetName = PrometheusSet)]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _options = new AnomalyOptions
        {
            Sensitivity = Sensitivity, MinDuration = MinDuration, MinChange = MinChange, Detectors = Detector.Distinct().ToArray(), Seasons = Season,
            Window = Window, ReportFrom = Since,
        };
        try
        {
            _options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(ex, "AnomalyOptionsInvalid", ErrorCategory.InvalidArgument, null));
        }
        _now = ModuleRuntime.Get().Time.GetUtcNow();
        WriteDebug($"Detector={string.Join(",", _options.Detectors)} Sensitivity={Sensitivity} MinDuration={MinDuration} MinChange={MinChange} Season={string.Join(",", Season)} Window={Window} Since={Since}");
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        switch (ParameterSetName)
        {
            case SampleSet:
                _samples.AddRange(InputObject.Where(s => s is not null));
                return;
            case StateSet:
                await FromStateAsync(cancellationToken).ConfigureAwait(false);
                return;
            default:
                await FromPrometheusAsync(cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == SampleSet)
        {
            foreach (var series in SeriesSources.FromSamples(_samples)) Judge(series);
        }
        return Task.CompletedTask;
    }

    private (DateTimeOffset Start, DateTimeOffset End) Range()
    {
        var end = End ?? _now;
        var start = Start ?? end - TimeSpan.FromDays(7);
        if (start >= end)
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-Start {start:O} is not before -End {end:O}."), "AnomalyRangeInvalid", ErrorCategory.InvalidArgument, start));
        return (start, end);
    }

    private async Task FromPrometheusAsync(CancellationToken cancellationToken)
    {
        var display = HttpExchange.DisplayTarget(PrometheusUri);
        if (!PrometheusUri.IsAbsoluteUri || PrometheusUri.Scheme is not ("http" or "https"))
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-PrometheusUri '{SecretRedactor.RedactPatterns(PrometheusUri.OriginalString)}' is not an absolute http(s) URL."),
                "PrometheusUriInvalid", ErrorCategory.InvalidArgument, SecretRedactor.RedactPatterns(PrometheusUri.OriginalString)));
        if (Step <= TimeSpan.Zero)
            throw ErrorRecords.Terminating(new ErrorRecord(new ArgumentException($"-Step {Step} is not positive."), "AnomalyRangeInvalid", ErrorCategory.InvalidArgument, Step));
        var (start, end) = Range();
        var runtime = ModuleRuntime.Get();
        var engine = new PrometheusQueryEngine(runtime.Http, runtime.Pipelines, PrometheusUri,
            new ResilienceOptions { AttemptTimeout = TimeSpan.FromSeconds(TimeoutSec), RetryCount = RetryCount }, MaxResponseBytes);
        WriteVerbose($"Querying {display} for '{Query}' from {start:O} to {end:O} every {Step}");
        var result = await engine.QueryRangeAsync(Query, start, end, Step, cancellationToken).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            WriteError(result.Unreachable
                ? new ErrorRecord(new InvalidOperationException(error), "PrometheusUnreachable", ErrorCategory.ConnectionError, display)
                : new ErrorRecord(new InvalidOperationException($"The range query '{Query}' failed: {error}"), "PrometheusQueryFailed", ErrorCategory.InvalidResult, Query));
            return;
        }
        if (result.Series.Count == 0) WriteVerbose($"'{Query}' returned no series from {start:O} to {end:O}.");
        var options = _options;
        _options = _options with { Step = Step };
        try
        {
            foreach (var series in result.Series) Judge(SeriesSources.FromRange(series));
        }
        finally
        {
            _options = options;
        }
    }

    private async Task FromStateAsync(CancellationToken cancellationToken)
    {
        var (start, end) = Range();
        var settings = LoadSettings();
        var store = await OpenStateStoreAsync(settings, cancellationToken).ConfigureAwait(false);
        var names = Metric.Select(m => new WildcardPattern(m, WildcardOptions.IgnoreCase)).ToList();
        var labels = (Label?.Cast<DictionaryEntry>() ?? [])
            .Select(e => (Name: e.Key.ToString()!, Value: new WildcardPattern(e.Value?.ToString() ?? "", WildcardOptions.None))).ToList();
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        WriteVerbose($"Reading the kept samples of {string.Join(", ", Metric)} in {settings.StatePath} from {start:O} to {end:O}");
        try
        {
            await foreach (var series in SeriesSources.FromHistoryAsync(new MetricHistoryStore(store), start, end,
                l => l.TryGetValue("__name__", out var name) && names.Any(n => n.IsMatch(name)) && labels.All(m => l.TryGetValue(m.Name, out var v) && m.Value.IsMatch(v)),
                cancellationToken).ConfigureAwait(false))
            {
                found.Add(series.Metric);
                Judge(series);
            }
        }
        catch (StateStoreException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.StateStoreFailure(ex));
        }
        foreach (var missing in Metric.Where(m => !WildcardPattern.ContainsWildcardCharacters(m) && !found.Contains(m)))
            WriteError(new ErrorRecord(new ItemNotFoundException($"The state store {settings.StatePath} keeps no samples of '{missing}' from {start:O} to {end:O}{(labels.Count > 0 ? " with the given labels" : "")}."),
                "MetricHistoryNotFound", ErrorCategory.ObjectNotFound, missing));
    }

    private void Judge(TimeSeries series)
    {
        SeriesVerdict verdict;
        try
        {
            verdict = AnomalyDetection.Detect(series, _options, _now, Service);
        }
        catch (AnomalyInputException ex)
        {
            WriteError(new ErrorRecord(ex, "AnomalySeriesTooShort", ErrorCategory.InvalidData, series.Name));
            return;
        }
        catch (ArgumentException ex)
        {
            WriteError(new ErrorRecord(ex, "AnomalyWindowInvalid", ErrorCategory.InvalidArgument, series.Name));
            return;
        }
        foreach (var note in verdict.Notes) WriteVerbose(note);
        WriteVerbose($"{series.Name}: {series.Count} samples, {verdict.Anomalies.Count} anomalies");
        foreach (var anomaly in verdict.Anomalies) WriteObject(anomaly);
    }
}
