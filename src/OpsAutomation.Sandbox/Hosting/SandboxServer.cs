using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsAutomation.Sandbox.Api;
using OpsAutomation.Sandbox.Api.Apply;
using OpsAutomation.Sandbox.Controllers;
using OpsAutomation.Sandbox.Pods;

namespace OpsAutomation.Sandbox.Hosting;

/// <summary>
/// A running sandbox: the API server on https://127.0.0.1:port with its own CA, the store behind it,
/// and the kubeconfig that reaches it. Tests start it in-process; Program starts it in the foreground.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CertificateAuthority _ca;
    private readonly string? _ownedDirectory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _controllers = [];
    private Kubelet? _kubelet;
    private ServiceProxy? _proxy;
    private PrometheusTargets? _targets;

    private SandboxServer(WebApplication app, CertificateAuthority ca, ObjectStore store, Authenticator users, PodLogBook logs,
        TimeProvider time, string kubeconfigPath, string? ownedDirectory)
    {
        _app = app;
        _ca = ca;
        Store = store;
        Users = users;
        Logs = logs;
        Time = time;
        KubeconfigPath = kubeconfigPath;
        _ownedDirectory = ownedDirectory;
    }

    public Uri BaseUri { get; private set; } = null!;

    public string KubeconfigPath { get; }

    public ObjectStore Store { get; }

    public Authenticator Users { get; }

    public PodLogBook Logs { get; }

    public TimeProvider Time { get; }

    /// <summary>The local registry the kubelet looks images up in, null without one.</summary>
    public RegistrySettings? Registry { get; private set; }

    /// <summary>The Prometheus file_sd target file the sandbox keeps, null without one.</summary>
    public string? PrometheusSdFile { get; private set; }

    /// <summary>The CA that signed the serving certificate; clients trust it (the kubeconfig carries it).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 CertificateAuthority => _ca.Certificate;

    /// <summary>Everything a person or script reads to use the sandbox, one "name: value" a line, the kubeconfig first.</summary>
    public IEnumerable<string> Banner()
    {
        yield return $"kubeconfig: {KubeconfigPath}";
        yield return $"api: {BaseUri}";
        yield return $"openapi: {new Uri(BaseUri, "openapi/v3")}";
        yield return $"contexts: {Kubeconfig.Context} (administrator), {Kubeconfig.ReadOnlyContext} (read-only)";
        if (PrometheusSdFile is not null)
        {
            yield return $"prometheus-sd-file: {PrometheusSdFile}";
        }
        if (Registry is not null)
        {
            yield return $"registry: {Registry.Host}";
        }
    }

    public static async Task<SandboxServer> StartAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var time = options.TimeProvider ?? new SpeedTimeProvider(options.Speed);
        var sdFile = options.PrometheusSdFile is { } path ? PrometheusTargets.FullPath(path) : null;
        var registry = options.Registry is { } registryAddress ? RegistrySettings.Parse(registryAddress, options.RegistryUsername, options.RegistryPassword) : null;
        var ownedDirectory = options.KubeconfigPath is null
            ? Directory.CreateTempSubdirectory("opsautomation-sandbox-").FullName : null;
        var kubeconfigPath = options.KubeconfigPath ?? Path.Combine(ownedDirectory!, "kubeconfig");
        var ca = new CertificateAuthority(time);
        var serving = ca.IssueServerCertificate(time);
        var resources = ResourceRegistry.Builtin;
        var store = new ObjectStore(resources, time, options.WatchWindow);
        var users = new Authenticator();
        var logs = new PodLogBook();
        var openApi = OpenApiDocuments.Load();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(serving));
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddSingleton(time);
        var app = builder.Build();
        var server = new SandboxServer(app, ca, store, users, logs, time, kubeconfigPath, ownedDirectory) { Registry = registry };
        ApiServer? api = null;
        app.Run(context => api!.HandleAsync(context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        server.BaseUri = new Uri($"https://127.0.0.1:{port}/");
        var fieldManager = new FieldManager(openApi, time);
        var writer = new ObjectWriter(store, fieldManager, logs);
        api = new ApiServer(writer, fieldManager, users, openApi, new Discovery(resources, $"127.0.0.1:{port}"), logs, time, options.BookmarkInterval);
        api.Bootstrap();
        if (options.Controllers)
        {
            server._kubelet = new Kubelet(writer, time, logs, options.PodStartDelay, registry);
            server._proxy = new ServiceProxy(writer, time);
            List<Controller> controllers = [new DeploymentController(writer, time), new ReplicaSetController(writer, time), new EndpointsController(writer, time), server._kubelet, server._proxy];
            if (sdFile is not null)
            {
                server._targets = new PrometheusTargets(writer, time, sdFile);
                server.PrometheusSdFile = sdFile;
                controllers.Add(server._targets);
            }
            server._controllers.AddRange(controllers.Select(c => Task.Run(() => c.RunAsync(server._stopping.Token), CancellationToken.None)));
        }
        Kubeconfig.Write(kubeconfigPath, server.BaseUri, ca.CertificatePem(), users.Admin, users.Viewer);
        return server;
    }

    /// <summary>Waits until the host is told to stop (SIGTERM, Ctrl+C) or <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_controllers).ConfigureAwait(false);
        if (_proxy is not null)
        {
            // After the controllers stop, so no service port opens again.
            await _proxy.DisposeAsync().ConfigureAwait(false);
        }
        if (_kubelet is not null)
        {
            // After the controllers stop, so no pod's application starts again.
            await _kubelet.DisposeAsync().ConfigureAwait(false);
        }
        _targets?.Dispose();
        _stopping.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _ca.Dispose();
        if (_ownedDirectory is not null)
        {
            Directory.Delete(_ownedDirectory, recursive: true);
        }
    }
}
