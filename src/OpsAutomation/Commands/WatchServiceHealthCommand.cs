using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>
/// A monitoring loop: checks every service each interval, streams the results, keeps the history
/// and serves /metrics for Prometheus. Ctrl+C ends it after saving what was checked.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "ServiceHealth", DefaultParameterSetName = UriSet)]
[OutputType(typeof(HealthCheckResult))]
public sealed class WatchServiceHealthCommand : HealthCheckCommand
{
    private const int ProgressActivityId = 0x4F51;
    private readonly List<HealthCheckDefinition> _definitions = [];
    private HealthCatalog? _catalog;
    private OpsSettings? _settings;

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
    [ValidateNotNullOrEmpty]
    public string MetricsHost { get; set; } = "127.0.0.1";

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
        MetricsEndpoint? endpoint = null;
        if (MetricsPort > 0)
        {
            try
            {
                endpoint = MetricsEndpoint.Start(runtime.Metrics, MetricsHost, MetricsPort);
            }
            catch (MetricsEndpointException ex)
            {
                throw ErrorRecords.Terminating(new ErrorRecord(ex, "MetricsEndpointUnavailable", ErrorCategory.ResourceUnavailable, $"{MetricsHost}:{MetricsPort}"));
            }
            WriteVerbose($"Serving metrics at {endpoint.Address}");
        }

        try
        {
            var interval = TimeSpan.FromSeconds(IntervalSec);
            for (var round = 1; Count == 0 || round <= Count; round++)
            {
                var started = runtime.Time.GetTimestamp();
                var (checkedCount, failing) = await RunRoundAsync(runtime, cancellationToken).ConfigureAwait(false);
                var wait = interval - runtime.Time.GetElapsedTime(started);
                WriteProgress(new ProgressRecord(ProgressActivityId, "Watch-ServiceHealth",
                    $"Round {round}: {checkedCount} checked, {failing} failing; next in {Math.Max(0, wait.TotalSeconds):0} s"));
                if (Count != 0 && round == Count) break;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, runtime.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            endpoint?.Dispose();
            WriteProgress(new ProgressRecord(ProgressActivityId, "Watch-ServiceHealth", "Stopped") { RecordType = ProgressRecordType.Completed });
        }
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
            await foreach (var result in session.ReadResultsAsync(cancellationToken).ConfigureAwait(false))
            {
                WriteObject(result);
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
            return (count, failing);
        }
    }
}
