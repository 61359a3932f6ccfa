using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OpsAutomation.TestServers;

/// <summary>
/// An HTTP server on 127.0.0.1 that answers like a service which cannot run on these machines, and
/// misbehaves on demand (<see cref="Fault"/>). Every setting may change while it serves.
/// </summary>
public abstract class StandIn : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<string> _paths = [];
    private WebApplication? _app;
    private Uri? _baseUri;
    private volatile StandInFault _fault;
    private long _slowDelayTicks = TimeSpan.FromSeconds(5).Ticks;
    private volatile Credentials? _basicAuth;
    private volatile string? _apiKey;
    private volatile StandInResponse _unexpectedShape = new(200, StandInResponse.Json, """{"message":"hello"}""");
    private int _requests;

    /// <summary>A login page that an authenticating proxy in front of the service answers with 200.</summary>
    public static StandInResponse ProxyLoginPage { get; } = new(200, "text/html; charset=utf-8",
        "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method=\"post\" action=\"/oauth2/sign_in\">"
        + "<button type=\"submit\">Sign in</button></form></body></html>\n");

    /// <summary>Where it listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUri => _baseUri ?? throw new InvalidOperationException("The stand-in has not started.");

    public StandInFault Fault
    {
        get => _fault;
        set => _fault = value;
    }

    /// <summary>How long <see cref="StandInFault.Slow"/> waits before answering (default 5 s); the wait ends when the client goes away.</summary>
    public TimeSpan SlowDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _slowDelayTicks));
        set => Interlocked.Exchange(ref _slowDelayTicks, value.Ticks);
    }

    /// <summary>When set (alone or with <see cref="ApiKey"/>), a request needs these Basic credentials or the key.</summary>
    public (string UserName, string Password)? BasicAuth
    {
        get => _basicAuth is { } c ? (c.UserName, c.Password) : null;
        set => _basicAuth = value is { } v ? new Credentials(v.UserName, v.Password) : null;
    }

    /// <summary>
    /// When set (alone or with <see cref="BasicAuth"/>), a request may authenticate with
    /// "Authorization: &lt;scheme&gt; &lt;key&gt;" with one of the service's <see cref="TokenSchemes"/>.
    /// </summary>
    public string? ApiKey
    {
        get => _apiKey;
        set => _apiKey = value;
    }

    /// <summary>What <see cref="StandInFault.UnexpectedShape"/> answers: {"message":"hello"} unless set (see <see cref="ProxyLoginPage"/>).</summary>
    public StandInResponse UnexpectedShapeResponse
    {
        get => _unexpectedShape;
        set => _unexpectedShape = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Requests received, whatever they were answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Path and query of every request received, in order.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_paths) return [.. _paths];
        }
    }

    /// <summary>The Authorization schemes that carry <see cref="ApiKey"/> to this service.</summary>
    protected virtual IReadOnlyList<string> TokenSchemes { get; } = ["Bearer"];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    protected async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
        // A test host or a Pester job owns the process's signals, not this server.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        var app = builder.Build();
        app.Run(ServeAsync);
        await app.StartAsync(_stopping.Token).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        _baseUri = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>The healthy service's answer to this request (its 404 for paths it does not serve).</summary>
    protected abstract StandInResponse Answer(HttpRequest request);

    /// <summary>The healthy service's answer, for a service that reads the request body (which only an async read may do); <see cref="Answer"/> unless overridden.</summary>
    protected virtual Task<StandInResponse> AnswerAsync(HttpRequest request, CancellationToken cancellationToken) => Task.FromResult(Answer(request));

    /// <summary>The service's own 5xx.</summary>
    protected abstract StandInResponse ServerError(HttpRequest request);

    /// <summary>The service's own 401 to a request without valid credentials.</summary>
    protected abstract StandInResponse Unauthorized(HttpRequest request);

    /// <summary>The service's own 403 to an authenticated request that lacks the privilege.</summary>
    protected abstract StandInResponse Forbidden(HttpRequest request);

    /// <summary>Whether the real service answers this request without credentials even when it requires them elsewhere.</summary>
    protected virtual bool AllowsAnonymous(HttpRequest request) => false;

    /// <summary>The user name in a Basic Authorization header, if there is one.</summary>
    protected static string? BasicUserName(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TryReadBasic(request, out var user, out _) ? user : null;
    }

    /// <summary>Whether the request carries any Authorization header.</summary>
    protected static bool HasCredentials(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.Authorization.Count > 0;
    }

    private async Task ServeAsync(HttpContext context)
    {
        try
        {
            await AnswerAsync(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A bug in a stand-in must not pass for a fault of the service: say so loudly.
            await Console.Error.WriteLineAsync($"stand-in failure on {context.Request.Path}: {e}").ConfigureAwait(false);
            await WriteAsync(context.Response, new StandInResponse(500, "text/plain; charset=utf-8", $"stand-in failure: {e}"), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        Interlocked.Increment(ref _requests);
        lock (_paths) _paths.Add(request.Path + request.QueryString);

        var fault = Fault;
        if (fault == StandInFault.Slow && !await WaitAsync(context).ConfigureAwait(false))
        {
            return;
        }
        var response = fault switch
        {
            StandInFault.Unauthorized => Unauthorized(request),
            StandInFault.Forbidden => Forbidden(request),
            // A proxy in front answers before the service sees the request.
            StandInFault.UnexpectedShape => UnexpectedShapeResponse,
            _ when !IsAuthenticated(request) => Unauthorized(request),
            StandInFault.ServerError => ServerError(request),
            StandInFault.TruncatedJson => (await AnswerAsync(request, context.RequestAborted).ConfigureAwait(false)).Truncated(),
            _ => await AnswerAsync(request, context.RequestAborted).ConfigureAwait(false),
        };
        await WriteAsync(context.Response, response, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Waits out <see cref="SlowDelay"/>; false when the client left or the stand-in stopped first.</summary>
    private async Task<bool> WaitAsync(HttpContext context)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(SlowDelay, either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return false;
        }
    }

    private bool IsAuthenticated(HttpRequest request)
    {
        var basic = _basicAuth;
        var key = _apiKey;
        if ((basic is null && key is null) || (!HasCredentials(request) && AllowsAnonymous(request)))
        {
            return true;
        }
        if (basic is not null && TryReadBasic(request, out var user, out var password)
            && user == basic.UserName && password == basic.Password)
        {
            return true;
        }
        var header = request.Headers.Authorization.ToString();
        return key is not null && TokenSchemes.Any(scheme =>
            header.StartsWith(scheme + " ", StringComparison.OrdinalIgnoreCase) && header[(scheme.Length + 1)..].Trim() == key);
    }

    private static bool TryReadBasic(HttpRequest request, out string user, out string password)
    {
        user = password = "";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }
        (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
        return true;
    }

    private static async Task WriteAsync(HttpResponse response, StandInResponse answer, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(answer.Body);
        response.StatusCode = answer.StatusCode;
        response.ContentType = answer.ContentType;
        response.ContentLength = body.Length;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers.Append(name, value);
        }
        await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private sealed record Credentials(string UserName, string Password);

    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
