using System.Collections;
using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>Checks HTTP(S), TCP and DNS targets concurrently and streams a typed result per target.</summary>
[Cmdlet(VerbsDiagnostic.Test, "ServiceHealth", DefaultParameterSetName = UriSet)]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestServiceHealthCommand : OpsCmdlet
{
    private const string UriSet = "Uri";
    private const string PathSet = "Path";
    private const int ProgressActivityId = 0x4F50;

    // Parameters that override every definition's own value: catalog key by parameter name.
    private static readonly Dictionary<string, string> OverrideKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TimeoutSec"] = "TimeoutSec", ["RetryCount"] = "RetryCount", ["ExpectedStatusCode"] = "ExpectedStatusCode", ["BodyPattern"] = "BodyPattern",
        ["MaxResponseTimeSec"] = "MaxResponseTimeSec", ["Method"] = "Method", ["Header"] = "Headers", ["SkipCertificateCheck"] = "SkipCertificateCheck",
    };

    private Run? _run;

    /// <summary>Targets: http(s):// URIs, tcp://host:port or host:port, dns://host.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = UriSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Target", "Url")]
    [ValidateNotNullOrEmpty]
    public string[] Uri { get; set; } = [];

    /// <summary>With -Uri: the names of the targets, one per URI. With -Path: which catalog services to check (wildcards).</summary>
    [Parameter(ParameterSetName = UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, Position = 1)]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Http, Tcp or Dns; inferred from the URI when not given.</summary>
    [Parameter(ParameterSetName = UriSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(HealthCheckKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>A service catalog: psd1, JSON or YAML.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [Alias("CatalogPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Checks in flight at once. Default 32.</summary>
    [Parameter]
    public int ThrottleLimit { get; set; }

    /// <summary>The limit of one attempt, in seconds. Default 10.</summary>
    [Parameter]
    public double TimeoutSec { get; set; }

    /// <summary>Retries after a failed first attempt, with exponential backoff and jitter. Default 0.</summary>
    [Parameter]
    public int RetryCount { get; set; }

    /// <summary>HTTP status codes that count as healthy; any 2xx when not given.</summary>
    [Parameter]
    public int[]? ExpectedStatusCode { get; set; }

    /// <summary>A regular expression the HTTP body must match.</summary>
    [Parameter]
    public string? BodyPattern { get; set; }

    /// <summary>An answer slower than this many seconds is Degraded.</summary>
    [Parameter]
    public double MaxResponseTimeSec { get; set; }

    /// <summary>The HTTP method. Default GET.</summary>
    [Parameter]
    [ValidateSet("GET", "HEAD", "POST", "PUT", "OPTIONS", "PATCH", "DELETE")]
    public string? Method { get; set; }

    /// <summary>Request headers; secret values as references, env:NAME or file:PATH.</summary>
    [Parameter]
    public Hashtable? Header { get; set; }

    /// <summary>Accept any server certificate.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>The state directory for history and logs.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>A Pushgateway to push the run's metrics to when it ends.</summary>
    [Parameter]
    public System.Uri? PushGatewayUri { get; set; }

    /// <summary>Do not keep the results in the state store's history.</summary>
    [Parameter]
    public SwitchParameter NoHistory { get; set; }

    protected override async Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        HealthCatalog? catalog = null;
        if (ParameterSetName == PathSet)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            try
            {
                catalog = HealthCatalog.Read(path, runtime.Configuration);
            }
            catch (ConfigurationException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "CatalogInvalid", path));
            }
        }

        OpsSettings settings;
        try
        {
            settings = SettingsLoader.Load(catalog?.Settings, Environment.GetEnvironmentVariable, BoundSettings());
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "SettingsInvalid", null));
        }

        var runId = Guid.NewGuid().ToString("N");
        var log = new OpsLog(runId, OpsLogOptions.FromSettings(settings, WriteVerbose), new SecretRedactor(), runtime.Time);

        HealthCheckSession session;
        try
        {
            session = await HealthCheckSession.StartAsync(runtime, new HealthRunOptions
            {
                RunId = runId,
                Settings = settings,
                BaseDirectory = catalog is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : System.IO.Path.GetDirectoryName(catalog.Path),
                KeepHistory = !NoHistory,
            }, log, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            log.Dispose();
            throw ErrorRecords.Terminating(ErrorRecords.StateStore(ex, settings.StatePath));
        }

        _run = new Run(this, session, log, cancellationToken);
        if (catalog is not null) AddCatalog(catalog, settings);
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName != UriSet || _run is null) return Task.CompletedTask;
        var fromPipeline = MyInvocation.ExpectingInput;
        if (Name is { Length: > 0 } && Name.Length != Uri.Length)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"-Name has {Name.Length} values but -Uri has {Uri.Length}; give one name per URI."),
                "NameCountMismatch", ErrorCategory.InvalidArgument, Name));
        }

        for (var i = 0; i < Uri.Length; i++)
        {
            var entry = ConfigurationTree.NewMap();
            entry["Uri"] = Uri[i];
            if (Name is { Length: > 0 }) entry["Name"] = Name[i];
            if (!string.IsNullOrEmpty(Kind)) entry["Kind"] = Kind;
            var origin = fromPipeline ? "pipeline input" : "parameters";
            try
            {
                _run.Add(HealthCheckDefinitionBinder.Bind(new ConfigurationMap(entry, origin, ""), Overrides(), _run.Settings));
            }
            catch (ConfigurationException ex) when (fromPipeline)
            {
                // One bad row of many: report it and go on with the next.
                WriteError(ErrorRecords.Configuration(ex, "HealthCheckTargetInvalid", Uri[i]));
            }
            catch (ConfigurationException ex)
            {
                throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "HealthCheckTargetInvalid", Uri[i]));
            }
        }
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (_run is null) return;
        await _run.CompleteAsync().ConfigureAwait(false);
    }

    private void AddCatalog(HealthCatalog catalog, OpsSettings settings)
    {
        IReadOnlyList<HealthCheckDefinition> definitions;
        try
        {
            definitions = catalog.Bind(Overrides(), settings);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "CatalogInvalid", catalog.Path));
        }

        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var selected = definitions.Where(d => patterns.Any(p => p.IsMatch(d.Name))).ToList();
        if (selected.Count == 0)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"No service in '{catalog.Path}' matches -Name {string.Join(", ", Name ?? [])}. Services: {string.Join(", ", definitions.Select(d => d.Name))}."),
                "ServiceNotFound", ErrorCategory.ObjectNotFound, Name));
        }
        foreach (var definition in selected) _run!.Add(definition);
        _run!.Complete();
    }

    /// <summary>Bound check parameters, in the catalog's vocabulary, so they override every entry.</summary>
    private ConfigurationMap Overrides()
    {
        var bound = ConfigurationTree.NewMap();
        foreach (var (parameter, key) in OverrideKeys)
        {
            if (MyInvocation.BoundParameters.TryGetValue(parameter, out var value))
                bound[key] = ToConfigurationValue(value);
        }
        var parameterOf = OverrideKeys.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
        return new ConfigurationMap(bound, "parameters", "", key => "-" + parameterOf.GetValueOrDefault(key, key));
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
                    _command.WriteError(new ErrorRecord(ex, "PushGatewayFailed", ErrorCategory.ConnectionError, Settings.PushGatewayUri));
                }
            }
            finally
            {
                // History first: after Ctrl+C, what was checked is kept even if nothing more can be written.
                await _session.DisposeAsync().ConfigureAwait(false);
                _log.Dispose();
                _command.WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }
}
