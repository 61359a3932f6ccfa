using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>Checks HTTP(S), TCP and DNS targets concurrently and streams a typed result per target.</summary>
[Cmdlet(VerbsDiagnostic.Test, "ServiceHealth", HelpUri = "docs/Test-ServiceHealth.md", DefaultParameterSetName = UriSet)]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestServiceHealthCommand : HealthCheckCommand
{
    private const int ProgressActivityId = 0x4F50;

    private Run? _run;

    /// <summary>
    /// Probe every target even where its circuit is open, to see whether a service is back. The
    /// result is real and updates the circuit: a success closes it, a failure keeps it open.
    /// </summary>
    [Parameter]
    public SwitchParameter IgnoreCircuit { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var catalog = ReadCatalog();
        var settings = LoadSettings(catalog?.Settings);
        var options = RunOptions(settings, catalog) with { IgnoreCircuit = IgnoreCircuit };
        var log = new OpsLog(options.RunId, OpsLogOptions.FromSettings(settings, WriteVerbose, runtime.LogFiles), new SecretRedactor(), runtime.Time);

        HealthCheckSession session;
        try
        {
            session = await StartSessionAsync(runtime, options, log, cancellationToken).ConfigureAwait(false);
        }
        catch (OpsTerminatingException)
        {
            log.Dispose();
            throw;
        }

        _run = new Run(this, session, log, cancellationToken);
        // Forwards results across phases; when EndProcessing never comes, disposal stops it and waits for its cleanup.
        Track(_run.Forwarding);
        if (catalog is null) return;
        foreach (var definition in SelectServices(catalog, settings)) _run.Add(definition);
        _run.Complete();
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName != UriSet || _run is null) return Task.CompletedTask;
        foreach (var definition in BindUriInput(_run.Settings)) _run.Add(definition);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_run is null) return;
        await _run.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>One invocation's engine objects and the task that forwards results to the pipeline.</summary>
    private sealed class Run
    {
        private readonly TestServiceHealthCommand _command;
        private readonly HealthCheckSession _session;
        private readonly OpsLog _log;
        private readonly Task _forwarding;
        private int _added;

        public Run(TestServiceHealthCommand command, HealthCheckSession session, OpsLog log, CancellationToken cancellationToken)
        {
            _command = command;
            _session = session;
            _log = log;
            Settings = session.Settings;
            _forwarding = ForwardAsync(cancellationToken);
        }

        public OpsSettings Settings { get; }

        public Task Forwarding => _forwarding;

        public void Add(HealthCheckDefinition definition)
        {
            try
            {
                _session.Add(definition);
                Interlocked.Increment(ref _added);
            }
            catch (ConfigurationException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "HealthCheckTargetInvalid", definition.Name));
            }
        }

        /// <summary>No more checks come: a catalog adds all of its own at once.</summary>
        public void Complete() => _session.Complete();

        public async Task CompleteAsync()
        {
            _session.Complete();
            await _forwarding.ConfigureAwait(false);
        }

        private async Task ForwardAsync(CancellationToken cancellationToken)
        {
            const string activity = "Test-ServiceHealth";
            var done = 0;
            var nextProgress = Environment.TickCount64;
            try
            {
                await foreach (var result in _session.ReadResultsAsync(cancellationToken).ConfigureAwait(false))
                {
                    _command.WriteObject(result);
                    _command.WriteStoreFailures(_session);
                    done++;
                    if (Environment.TickCount64 < nextProgress) continue;
                    nextProgress = Environment.TickCount64 + 250;
                    var total = Math.Max(done, Volatile.Read(ref _added));
                    _command.WriteProgress(new ProgressRecord(ProgressActivityId, activity, $"{done} of {total} checked")
                    {
                        PercentComplete = done * 100 / total,
                    });
                }

                try
                {
                    await _session.FinishAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    _command.WriteError(ErrorRecords.Http(ex, "PushGatewayFailed", HttpExchange.DisplayTarget(Settings.PushGatewayUri)));
                }
            }
            finally
            {
                // History first: after Ctrl+C, what was checked is kept even if nothing more can be written.
                await _session.DisposeAsync().ConfigureAwait(false);
                _command.WriteStoreFailures(_session);
                _log.Dispose();
                _command.WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }
}
