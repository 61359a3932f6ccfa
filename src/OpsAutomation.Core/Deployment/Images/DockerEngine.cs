using System.Globalization;
using Docker.DotNet;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>Where the engine is and which Engine API version the client asks for at most.</summary>
public sealed record DockerEngineOptions
{
    /// <summary>The Engine API version the module was written against (Debian's docker.io 20.10 speaks it).</summary>
    public static readonly Version DefaultApiVersion = new(1, 41);

    /// <summary>The engine: unix:///path, npipe://./pipe/name or tcp://host:port. Default: DOCKER_HOST, else the platform's default socket.</summary>
    public Uri? Host { get; init; }

    /// <summary>The highest Engine API version to speak; the engine's own maximum when lower wins. Default 1.41.</summary>
    public Version ApiVersion { get; init; } = DefaultApiVersion;

    /// <summary>How long a plain request (version, inspect) may take; build and push streams have no limit but the caller's token. Default 30 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A connected engine: an <see cref="IDockerClient"/> speaking the API version agreed with the
/// engine (the lower of the client's and the engine's), the host it talks to, and that version.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    private DockerEngine(IDockerClient client, Uri host, Version apiVersion)
    {
        Client = client;
        Host = host;
        ApiVersion = apiVersion;
    }

    public IDockerClient Client { get; }

    public Uri Host { get; }

    public Version ApiVersion { get; }

    /// <summary>The engine's address: <paramref name="host"/>, else DOCKER_HOST, else unix:///var/run/docker.sock (npipe://./pipe/docker_engine on Windows).</summary>
    public static Uri ResolveHost(Uri? host, Func<string, string?> environment)
    {
        if (host is not null) return host;
        var variable = environment("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(variable))
        {
            if (!Uri.TryCreate(variable.Trim(), UriKind.Absolute, out var fromEnvironment))
                throw new ArgumentException($"DOCKER_HOST '{variable}' is not an engine address such as unix:///var/run/docker.sock or tcp://host:2375.");
            return fromEnvironment;
        }
        return OperatingSystem.IsWindows() ? new Uri("npipe://./pipe/docker_engine") : new Uri("unix:///var/run/docker.sock");
    }

    /// <summary>
    /// Asks the engine at <paramref name="host"/> for its version and returns a client pinned to
    /// min(<see cref="DockerEngineOptions.ApiVersion"/>, the engine's). No answer is
    /// <see cref="DockerEngineUnavailableException"/> saying how to start one.
    /// </summary>
    public static async Task<DockerEngine> ConnectAsync(Uri host, DockerEngineOptions options, CancellationToken cancellationToken)
    {
        if (host.Scheme == "unix" && !File.Exists(host.AbsolutePath))
            throw new DockerEngineUnavailableException(host, $"the socket {host.AbsolutePath} does not exist", null);
        Version engineVersion;
        using (var probe = CreateClient(host, null, options.Timeout))
        {
            try
            {
                var version = await probe.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
                if (!Version.TryParse(version.APIVersion, out engineVersion!))
                    throw new DockerEngineUnavailableException(host, $"it answered /version with the API version '{version.APIVersion}', which is not a version", null);
            }
            catch (Exception ex) when (ex is not DockerEngineUnavailableException && !cancellationToken.IsCancellationRequested)
            {
                throw new DockerEngineUnavailableException(host, Describe(ex), ex);
            }
        }
        var agreed = engineVersion < options.ApiVersion ? engineVersion : options.ApiVersion;
        return new DockerEngine(CreateClient(host, agreed, options.Timeout), host, agreed);
    }

    /// <summary>A builder on this engine; cmdlets take it from here because they never name a Docker.DotNet type (it loads in the private context only).</summary>
    public ImageBuilder Builder(TimeProvider time) => new(Client, time);

    /// <summary>A publisher on this engine confirming digests with <paramref name="registry"/>.</summary>
    public ImagePublisher Publisher(RegistryClient registry, TimeProvider time) => new(Client, registry, time);

    public void Dispose() => Client.Dispose();

    private static DockerClient CreateClient(Uri host, Version? apiVersion, TimeSpan timeout) =>
        new DockerClientBuilder().WithEndpoint(host).WithApiVersion(apiVersion).WithTimeout(timeout).Build();

    // The innermost message says what happened (connection refused, permission denied, a timeout).
    private static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return ex is TimeoutException or TaskCanceledException or OperationCanceledException
            ? "it did not answer /version in time"
            : string.Create(CultureInfo.InvariantCulture, $"{inner.Message.TrimEnd('.')}");
    }
}
