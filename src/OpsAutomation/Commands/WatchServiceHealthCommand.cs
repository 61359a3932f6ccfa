using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Commands;

/// <summary>
/// A monitoring loop: checks every service each interval, streams the results, keeps the history
/// and serves /metrics for Prometheus. Ctrl+C ends it after saving what was checked.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "ServiceHealth", HelpUri = "docs/Watch-ServiceHealth.md", DefaultParameterSetName = UriSet)]
[OutputType(typeof(HealthCheckResult))]
public sealed class WatchServiceHealthCommand : HealthCheckCommand
{
    private const int ProgressActivityId = 0x4F51;
    private readonly List<HealthCheckDefinition> _definitions = [];
    private HealthCatalog? _catalog;
    private OpsSettings? _settings;
    private bool _metricsStopped;

    /// <summary>Seconds from the start of one round to the start of the next. Default 60.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public double IntervalSec { get; set; } = 60;

    /// <summary>Rounds to run before returning; 0 (the default) runs until stopped.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Serve /metrics on this port while watching; 0 (the default) serves none.</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int MetricsPort { get; set; }

    /// <summary>The address /metrics listens on. Default 127.0.0.1; + for every IPv4 interface.</summary>
    [Parameter]
    [Alias("MetricsHost")]
    [ValidateNotNullOrEmpty]
    public string MetricsHostName { get; set; } = "127.0.0.1";

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _catalog = ReadCatalog();
        _settings = LoadSettings(_catalog?.Settings);
        if (_catalog is not null) _definitions.AddRange(SelectServices(_catalog, _settings));
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == UriSet) _definitions.AddRange(BindUriInput(_settings!));
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_definitions.Count == 0) return;
        var runtime = ModuleRuntime.Get();
        var served = MetricsPort > 0 ? ServeMetrics(runtime, terminating: true) : null;

        try
        {
            var interval = TimeSpan.FromSeconds(IntervalSec);
            for (var round = 1; Count == 0 || round <= Count; round++)
            {
                var started = runtime.Time.GetTimestamp();
                var (checkedCount, failing) = await RunRoundAsync(runtime, cancellationToken).ConfigureAwait(false);
                served = CheckMetricsServer(runtime, served);
                var wait = interval - runtime.Time.GetElapsedTime(started);
                WriteProgress(new ProgressRecord(ProgressActivityId, "Watch-ServiceHealth",
                    $"Round {round}: {checkedCount} checked, {failing} failing; next in {Math.Max(0, wait.TotalSeconds):0} s"));
                if (Count != 0 && round == Count) break;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, runtime.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (served is not null && runtime.MetricsServers.Problem(served) is null) runtime.MetricsServers.Stop(served.Port);
            WriteProgress(new ProgressRecord(ProgressActivityId, "Watch-ServiceHealth", "Stopped") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>
    /// Serves /metrics on -MetricsPort for the watch's lifetime (Stop-MetricsServer sees it).
    /// A port that cannot be served is terminating at the start and an error on a restart.
    /// </summary>
    private MetricsServerInfo? ServeMetrics(Core.OpsRuntime runtime, bool terminating)
    {
        var log = new OpsLog(Guid.NewGuid().ToString("N"), OpsLogOptions.FromSettings(_settings!, null), new SecretRedactor(), runtime.Time);
        try
        {
            var server = runtime.MetricsServers.Start(MetricsHostName, MetricsPort, systemMetrics: false, log);
            WriteVerbose($"Serving metrics at {server.Address}");
            return server;
        }
        catch (MetricsEndpointException ex)
        {
            var record = new ErrorRecord(ex, "MetricsEndpointUnavailable", ErrorCategory.ResourceUnavailable, $"{MetricsHostName}:{MetricsPort}");
            if (terminating) throw ErrorRecords.Terminating(record);
            WriteError(record);
            return null;
        }
    }

    /// <summary>
    /// The loop goes on whatever happens to /metrics, but never silently: a stopped endpoint is
    /// an error once; a failed one is an error and is started again (each round until it serves).
    /// </summary>
    private MetricsServerInfo? CheckMetricsServer(Core.OpsRuntime runtime, MetricsServerInfo? served)
    {
        if (MetricsPort <= 0 || _metricsStopped) return served;
        if (served is null) return ServeMetrics(runtime, terminating: false);
        if (runtime.MetricsServers.Problem(served) is not { } problem) return served;
        WriteError(new ErrorRecord(problem, "MetricsEndpointFailed", ErrorCategory.ResourceUnavailable, served.Address));
        if (problem.InnerException is null)
        {
            // Stopped on purpose (Stop-MetricsServer): not started again behind the user's back.
            _metricsStopped = true;
            return null;
        }
        return ServeMetrics(runtime, terminating: false);
    }

    /// <summary>One round: a session of its own (own run id), results streamed, history and push at its end.</summary>
    private async Task<(int Checked, int Failing)> RunRoundAsync(Core.OpsRuntime runtime, CancellationToken cancellationToken)
    {
        var options = RunOptions(_settings!, _catalog);
        using var log = new OpsLog(options.RunId, OpsLogOptions.FromSettings(_settings!, WriteVerbose), new SecretRedactor(), runtime.Time);
        var session = await StartSessionAsync(runtime, options, log, cancellationToken).ConfigureAwait(false);

        await using (session.ConfigureAwait(false))
        {
            foreach (var definition in _definitions)
            {
                try
                {
                    session.Add(definition);
                }
                catch (ConfigurationException ex)
                {
                    throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "HealthCheckTargetInvalid", definition.Name));
                }
            }
            session.Complete();
            int count = 0, failing = 0;
            try
            {
                await foreach (var result in session.ReadResultsAsync(cancellationToken).ConfigureAwait(false))
                {
                    WriteObject(result);
                    WriteStoreFailures(session);
                    count++;
                    if (HealthTrends.IsFailure(result.Status)) failing++;
                }
                try
                {
                    await session.FinishAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    WriteError(ErrorRecords.Http(ex, "PushGatewayFailed", HttpExchange.DisplayTarget(_settings!.PushGatewayUri)));
                }
            }
            finally
            {
                // A store failure of this round is reported; the loop goes on with the next round.
                WriteStoreFailures(session);
            }
            return (count, failing);
        }
    }
}
