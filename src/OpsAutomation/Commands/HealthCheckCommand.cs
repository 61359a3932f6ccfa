using System.Collections;
using System.Management.Automation;
using OpsAutomation.Completers;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Logging;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Commands;

/// <summary>
/// What Test-ServiceHealth and Watch-ServiceHealth share: the targets (-Uri rows or a -Path
/// catalog), the check parameters that override every definition, and the settings.
/// </summary>
public abstract class HealthCheckCommand : OpsCmdlet
{
    protected const string UriSet = "Uri";
    protected const string PathSet = "Path";

    // Parameters that override every definition's own value: catalog key by parameter name.
    private static readonly Dictionary<string, string> OverrideKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TimeoutSec"] = "TimeoutSec", ["RetryCount"] = "RetryCount", ["ExpectedStatusCode"] = "ExpectedStatusCode", ["BodyPattern"] = "BodyPattern",
        ["MaxResponseTimeSec"] = "MaxResponseTimeSec", ["Method"] = "Method", ["Header"] = "Headers", ["SkipCertificateCheck"] = "SkipCertificateCheck",
        ["MaxResponseBytes"] = "MaxResponseBytes", ["CaBundle"] = "CaBundle", ["ClientCertificate"] = "ClientCertificate", ["ClientKey"] = "ClientKey",
        ["ClientCertificatePassword"] = "ClientCertificatePassword",
    };

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

    /// <summary>The kind of check; inferred from the URI when not given.</summary>
    [Parameter(ParameterSetName = UriSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(HealthCheckKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>A service catalog: psd1, JSON or YAML.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [Alias("CatalogPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    // The ranges are the settings' own (SettingsLoader, HealthCheckDefinitionBinder), checked at
    // binding so a bad value gets PowerShell's standard message naming the parameter.
    /// <summary>Checks in flight at once. Default 32.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; }

    /// <summary>The limit of one attempt, in seconds. Default 10.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double TimeoutSec { get; set; }

    /// <summary>Retries after a failed first attempt, with exponential backoff and jitter. Default 0.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; }

    /// <summary>HTTP status codes that count as healthy; any 2xx when not given.</summary>
    [Parameter]
    [ValidateRange(100, 599)]
    public int[]? ExpectedStatusCode { get; set; }

    /// <summary>A regular expression the HTTP body must match.</summary>
    [Parameter]
    public string? BodyPattern { get; set; }

    /// <summary>An answer slower than this many seconds is Degraded.</summary>
    [Parameter]
    [ValidateRange(0.001, 3600)]
    public double MaxResponseTimeSec { get; set; }

    /// <summary>The HTTP method. Default GET.</summary>
    [Parameter]
    [ValidateSet("GET", "HEAD", "POST", "PUT", "OPTIONS", "PATCH", "DELETE")]
    public string? Method { get; set; }

    /// <summary>
    /// Request headers for every check. A secret value may be a reference (env:NAME, file:PATH or
    /// secret:NAME) or, typed here at the prompt, the value itself; either way it is masked in
    /// results and logs.
    /// </summary>
    [Parameter]
    public Hashtable? Header { get; set; }

    /// <summary>Sent with HTTP basic authentication to every target, in place of the catalog's own credentials.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>An API key by reference (env:NAME, file:PATH or secret:NAME), sent as Authorization: ApiKey (Elasticsearch, Kibana).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKey { get; set; }

    /// <summary>A bearer token by reference (env:NAME, file:PATH or secret:NAME), sent as Authorization: Bearer.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BearerToken { get; set; }

    /// <summary>Accept any server certificate.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Do not follow HTTP redirects: a 3xx answer is judged as it is. By default up to 10 redirects are followed.</summary>
    [Parameter]
    public SwitchParameter NoFollowRedirect { get; set; }

    /// <summary>The largest HTTP response body read, in bytes (16MB and the like work); a larger one is Unhealthy. Default 16 MiB.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxResponseBytes { get; set; }

    /// <summary>A PEM file of CA certificates that, instead of the system's, anchor HTTPS server certificates (as curl --cacert).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaBundle { get; set; }

    /// <summary>A client certificate for mutual TLS: a PEM file (key in -ClientKey or the same file) or a PFX file (its password in -ClientCertificatePassword).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientCertificate { get; set; }

    /// <summary>The PEM private key of -ClientCertificate, when it is not in the certificate file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientKey { get; set; }

    /// <summary>The password of a PFX -ClientCertificate or an encrypted PEM key, as a secret reference: 'env:NAME', 'file:PATH' or 'secret:NAME'. Default: none.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientCertificatePassword { get; set; }

    /// <summary>The state directory for history, circuits and logs.</summary>
    [Parameter]
    public string? StatePath { get; set; }

    /// <summary>A Pushgateway to push the run's metrics to when it ends.</summary>
    [Parameter]
    public System.Uri? PushGatewayUri { get; set; }

    /// <summary>Do not keep the results in the state store's history.</summary>
    [Parameter]
    public SwitchParameter NoHistory { get; set; }

    /// <summary>Reads the -Path catalog (null in the Uri set); a bad catalog is a terminating CatalogInvalid.</summary>
    protected HealthCatalog? ReadCatalog() => ParameterSetName == PathSet ? ReadCatalog(Path) : null;

    /// <summary>The catalog's services that -Name selects, bound with the parameters' overrides.</summary>
    protected IReadOnlyList<HealthCheckDefinition> SelectServices(HealthCatalog catalog, OpsSettings settings)
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
        return selected;
    }

    /// <summary>
    /// The definitions of the current -Uri input. A bad row from the pipeline is a non-terminating
    /// HealthCheckTargetInvalid and the rest go on; a bad command-line value is terminating.
    /// </summary>
    protected IEnumerable<HealthCheckDefinition> BindUriInput(OpsSettings settings)
    {
        var fromPipeline = MyInvocation.ExpectingInput;
        if (Name is { Length: > 0 } && Name.Length != Uri.Length)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"-Name has {Name.Length} values but -Uri has {Uri.Length}; give one name per URI."),
                "NameCountMismatch", ErrorCategory.InvalidArgument, Name));
        }

        var overrides = Overrides();
        for (var i = 0; i < Uri.Length; i++)
        {
            var entry = ConfigurationTree.NewMap();
            entry["Uri"] = Uri[i];
            if (Name is { Length: > 0 }) entry["Name"] = Name[i];
            if (!string.IsNullOrEmpty(Kind)) entry["Kind"] = Kind;
            HealthCheckDefinition? definition = null;
            try
            {
                definition = HealthCheckDefinitionBinder.Bind(new ConfigurationMap(entry, fromPipeline ? "pipeline input" : "parameters", ""), overrides, settings);
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
            if (definition is not null) yield return definition;
        }
    }

    /// <summary>
    /// The run's options: a fresh run id, where relative secret files are found, secrets resolved
    /// through this command (SecretManagement included), and the authorization given at the prompt.
    /// </summary>
    protected HealthRunOptions RunOptions(OpsSettings settings, HealthCatalog? catalog)
    {
        var secrets = Secrets();
        return new HealthRunOptions
        {
            RunId = Guid.NewGuid().ToString("N"),
            Settings = settings,
            BaseDirectory = BaseDirectory(catalog),
            KeepHistory = !NoHistory,
            Secrets = secrets,
            Authorization = AuthorizationParameters.Resolve(Credential, ApiKey, BearerToken, secrets, BaseDirectory(null)!),
        };
    }

    /// <summary>A failed history or circuit write is an error of the run, not its end: the results stand.</summary>
    protected void WriteStoreFailures(HealthCheckSession session)
    {
        foreach (var failure in session.TakeStoreFailures()) WriteError(ErrorRecords.StateStoreFailure(failure));
    }

    /// <summary>Starts a session of the run; a state store that cannot open is a terminating StateStoreUnavailable.</summary>
    protected static async Task<HealthCheckSession> StartSessionAsync(Core.OpsRuntime runtime, HealthRunOptions options, OpsLog log, CancellationToken cancellationToken)
    {
        try
        {
            return await HealthCheckSession.StartAsync(runtime, options, log, cancellationToken).ConfigureAwait(false);
        }
        catch (Core.State.StateStoreException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.StateStore(ex, options.Settings.StatePath));
        }
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
        if (NoFollowRedirect) bound["FollowRedirects"] = false;
        // Files named at the prompt are relative to PowerShell's location, not the process's.
        foreach (var key in (string[])["CaBundle", "ClientCertificate", "ClientKey"])
        {
            if (bound.TryGetValue(key, out var file) && file is string path) bound[key] = GetUnresolvedProviderPathFromPSPath(path);
        }
        var parameterOf = OverrideKeys.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
        parameterOf["FollowRedirects"] = nameof(NoFollowRedirect);
        return new ConfigurationMap(bound, "parameters", "", key => "-" + parameterOf.GetValueOrDefault(key, key));
    }
}
