using System.Threading.Channels;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Metrics;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>
/// One invocation of health checks: definitions are added as they arrive (from a catalog or
/// the pipeline), checked concurrently, and each result is logged, counted in the metrics and
/// kept in the history before it is handed out. <see cref="FinishAsync"/> pushes the metrics.
/// A state store that fails after open (busy, full, read-only) never stops the checks: the
/// failure is logged and handed out by <see cref="TakeStoreFailures"/>, and the session stops
/// writing history rather than wait on a failing store again.
/// </summary>
public sealed class HealthCheckSession : IAsyncDisposable
{
    private const int HistoryBatchSize = 100;

    private readonly OpsRuntime _runtime;
    private readonly HealthRunOptions _options;
    private readonly OpsLog _log;
    private readonly HealthHistoryStore? _history;
    private readonly Channel<PreparedCheck> _pending = Channel.CreateUnbounded<PreparedCheck>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<HealthCheckResult> _unsaved = [];
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly System.Collections.Concurrent.ConcurrentQueue<StateStoreException> _storeFailures = new();
    private bool _historyFailed;

    private HealthCheckSession(OpsRuntime runtime, HealthRunOptions options, OpsLog log, HealthHistoryStore? history)
    {
        _runtime = runtime;
        _options = options;
        _log = log;
        _history = history;
    }

    public string RunId => _options.RunId;

    public OpsSettings Settings => _options.Settings;

    public static async Task<HealthCheckSession> StartAsync(OpsRuntime runtime, HealthRunOptions options, OpsLog log, CancellationToken cancellationToken)
    {
        HealthHistoryStore? history = null;
        if (options.KeepHistory)
            history = new HealthHistoryStore(await runtime.GetStateStoreAsync(options.Settings, cancellationToken).ConfigureAwait(false));
        return new HealthCheckSession(runtime, options, log, history);
    }

    /// <summary>
    /// Queues <paramref name="definition"/> and resolves its secrets now. A secret reference that
    /// does not resolve makes that one service's result Unhealthy (ErrorKind Configuration) and the
    /// others are still checked; a duplicate name throws <see cref="ConfigurationException"/>.
    /// </summary>
    public void Add(HealthCheckDefinition definition)
    {
        // A relative kubeconfig is relative to the catalog (or the current location), as secret files are.
        if (definition.Kubeconfig is { } kubeconfig && _options.BaseDirectory is { } baseDirectory)
            definition = definition with { Kubeconfig = Path.GetFullPath(kubeconfig, baseDirectory) };
        if (!_names.Add(definition.Name))
            throw new ConfigurationException($"duplicate service name '{definition.Name}' in one run", definition.Origin, "Name");
        IReadOnlyList<KeyValuePair<string, string>> headers = [];
        string? unresolved = null;
        string? certificatePassword = null;
        try
        {
            headers = ResolveHeaders(definition);
            if (definition.ClientCertificatePasswordReference is { } reference)
                certificatePassword = ResolveSecret(reference, definition, "ClientCertificatePassword");
        }
        catch (SecretReferenceException ex)
        {
            unresolved = ex.Message;
        }
        var check = new PreparedCheck(definition, headers) { DisplayTarget = _log.Redactor.Redact(definition.Target), ConfigurationError = unresolved,
            ClientCertificatePassword = certificatePassword };
        if (!_pending.Writer.TryWrite(check))
            throw new InvalidOperationException("The session no longer takes definitions: Complete was called.");
    }

    /// <summary>No more definitions will come.</summary>
    public void Complete() => _pending.Writer.TryComplete();

    /// <summary>Results in completion order; ends when every added definition is checked after <see cref="Complete"/>.</summary>
    public async IAsyncEnumerable<HealthCheckResult> ReadResultsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var runner = new HealthCheckRunner(_runtime.Http, _runtime.Pipelines, _runtime.Time, _runtime.Kubernetes,
            async token => new CircuitBreakerStore(await _runtime.GetStateStoreAsync(Settings, token).ConfigureAwait(false)), StoreFailed, _options.IgnoreCircuit);
        var checks = _pending.Reader.ReadAllAsync(cancellationToken);
        await foreach (var result in runner.RunAsync(checks, RunId, _options.Settings.ThrottleLimit, _log.Redactor, cancellationToken).ConfigureAwait(false))
        {
            Record(result);
            if (_unsaved.Count >= HistoryBatchSize)
                await SaveHistoryAsync(cancellationToken).ConfigureAwait(false);
            yield return result;
        }
        await SaveHistoryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pushes the run's metrics when a Pushgateway is configured.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        await SaveHistoryAsync(cancellationToken).ConfigureAwait(false);
        if (_history is not null && !_historyFailed)
        {
            try
            {
                await _history.PruneAsync(_runtime.Time.GetUtcNow().AddDays(-Settings.HistoryRetentionDays), cancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreException ex)
            {
                StoreFailed(ex);
            }
        }
        if (PushgatewayTarget.FromSettings(Settings) is not { } push) return;
        var exposition = await _runtime.Metrics.ExportTextAsync(cancellationToken).ConfigureAwait(false);
        await new PushgatewayClient(_runtime.Http.Get()).PushAsync(push, exposition, PushMethod.Put, cancellationToken).ConfigureAwait(false);
        _log.Write(new LogRecord
        {
            Action = "metrics-push",
            Outcome = "success",
            Message = $"Pushed metrics to {push.DisplayName} as job '{push.Job}'.",
            Url = HttpExchange.DisplayTarget(PushgatewayClient.GroupUri(push)),
        });
    }

    /// <summary>Saves results not yet kept, even when the run was stopped: nothing checked is lost.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await SaveHistoryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>State store failures since the last call, oldest first: each is also in the log.</summary>
    public IReadOnlyList<StateStoreException> TakeStoreFailures()
    {
        var failures = new List<StateStoreException>();
        while (_storeFailures.TryDequeue(out var failure)) failures.Add(failure);
        return failures;
    }

    private void StoreFailed(StateStoreException exception)
    {
        _storeFailures.Enqueue(exception);
        _log.Write(new LogRecord
        {
            Level = OpsLogLevel.Error,
            Action = "state-store",
            Outcome = "failure",
            Message = exception.Message,
            ErrorType = $"StateStore{exception.Kind}",
            ErrorMessage = exception.Message,
        });
    }

    /// <summary>
    /// The request headers with every secret resolved and known to the redactor. One Authorization
    /// is sent: the run's own, else an Authorization header, else the definition's credentials.
    /// </summary>
    private List<KeyValuePair<string, string>> ResolveHeaders(HealthCheckDefinition definition)
    {
        var headers = new List<KeyValuePair<string, string>>(definition.Headers.Count + 1);
        var runAuthorization = _options.Authorization;
        foreach (var (name, value) in definition.Headers)
        {
            if (runAuthorization is not null && name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) continue;
            headers.Add(new(name, ResolveHeader(name, value, definition)));
        }
        if (runAuthorization is not null)
        {
            AddAuthorization(headers, runAuthorization);
            return headers;
        }
        // An Authorization header given outright (such as -Header at the prompt) takes the place of the credentials.
        if (headers.Exists(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))) return headers;
        if (definition.UserName is not null && definition.PasswordReference is not null)
        {
            var password = ResolveSecret(definition.PasswordReference, definition, "Credential.Password");
            AddAuthorization(headers, HttpAuthorization.Basic(definition.UserName, password));
        }
        if (definition.ApiKeyReference is not null)
            AddAuthorization(headers, HttpAuthorization.ApiKey(ResolveSecret(definition.ApiKeyReference, definition, "ApiKey")));
        if (definition.BearerTokenReference is not null)
            AddAuthorization(headers, HttpAuthorization.Bearer(ResolveSecret(definition.BearerTokenReference, definition, "BearerToken")));
        return headers;
    }

    /// <summary>A header's value: a reference resolved, a literal as given (a secret one, typed at the prompt, still masked in what is written).</summary>
    private string ResolveHeader(string name, string value, HealthCheckDefinition definition)
    {
        if (SecretResolver.IsReference(value)) return ResolveSecret(value, definition, $"Headers.{name}");
        if (SecretRedactor.IsSensitiveName(name))
        {
            _log.Redactor.AddSecret(value);
            // "Basic abc": the credentials alone may show up too.
            if (value.IndexOf(' ', StringComparison.Ordinal) is > 0 and var space && space < value.Length - 1) _log.Redactor.AddSecret(value[(space + 1)..]);
        }
        return value;
    }

    private string ResolveSecret(string reference, HealthCheckDefinition definition, string key)
    {
        var secret = _options.Secrets.Resolve(reference, $"{definition.Origin}, key '{key}'", _options.BaseDirectory);
        _log.Redactor.AddSecret(secret);
        return secret;
    }

    private void AddAuthorization(List<KeyValuePair<string, string>> headers, System.Net.Http.Headers.AuthenticationHeaderValue authorization)
    {
        if (authorization.Parameter is { Length: > 0 } credentials) _log.Redactor.AddSecret(credentials);
        headers.Add(new("Authorization", authorization.ToString()));
    }

    private void Record(HealthCheckResult result)
    {
        _runtime.Metrics.RecordHealthCheck(result);
        var healthy = result.Status is HealthStatus.Healthy or HealthStatus.Degraded;
        _log.Write(new LogRecord
        {
            Level = healthy ? OpsLogLevel.Information : OpsLogLevel.Warning,
            Action = "health-check",
            Outcome = healthy ? "success" : "failure",
            Message = result.Error is null ? $"{result.Name} is {result.Status}." : $"{result.Name} is {result.Status}: {result.Error}",
            Duration = result.ResponseTime,
            ServiceName = result.Name,
            Url = result.Target,
            ErrorType = result.ErrorKind == HealthErrorKind.None ? null : result.ErrorKind.ToString(),
            ErrorMessage = result.Error,
            Labels = new Dictionary<string, string?>
            {
                ["health_status"] = result.Status.ToString(),
                ["health_kind"] = result.Kind.ToString(),
                ["attempts"] = result.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["first_attempt_status"] = result.FirstAttemptStatus.ToString(),
                ["status_code"] = result.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
        lock (_unsaved) _unsaved.Add(result);
    }

    private async Task SaveHistoryAsync(CancellationToken cancellationToken)
    {
        if (_history is null || _historyFailed) return;
        HealthCheckResult[] batch;
        lock (_unsaved)
        {
            batch = [.. _unsaved];
            _unsaved.Clear();
        }
        try
        {
            await _history.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            // The results were handed out; only their history is lost, and said so.
            _historyFailed = true;
            StoreFailed(ex);
        }
        catch
        {
            lock (_unsaved) _unsaved.InsertRange(0, batch);
            throw;
        }
    }
}
