using System.Globalization;
using System.Runtime.InteropServices;

namespace OpsAutomation.TestServers;

/// <summary>
/// Starts one stand-in for Pester: prints "listening &lt;BaseUri&gt;" on stdout, then serves until
/// stdin closes (unless --no-stdin) or SIGTERM/SIGINT arrives. Secrets come from environment
/// variables, never from the command line.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: OpsAutomation.TestServers <elasticsearch|kibana|grafana|kubernetes|pagerduty> [options]
          --port N                  listen on 127.0.0.1:N (default: a free port)
          --fault F                 None, ServerError, Slow, TruncatedJson, UnexpectedShape, Unauthorized, Forbidden
          --slow-delay SECONDS      how long the Slow fault waits (default 5)
          --proxy-login-page        UnexpectedShape answers an HTML login page instead of {"message":"hello"}
          --basic-auth USER --password-env VAR    require Basic auth, the password read from $VAR
          --api-key-env VAR         accept the key in $VAR (Elasticsearch: ApiKey scheme; others, Kubernetes too: Bearer)
          --no-stdin                serve until a signal only, for a caller whose stdin is closed
          elasticsearch: --cluster-status green|yellow|red  --unassigned-shards N
          kibana:        --level available|degraded|unavailable|critical  --legacy-7x  --version V
          grafana:       --database-failing  --version V
          pagerduty:     --rate-limit N (answer the next N events with 429); GET /test/alerts, /test/events, /test/rejections read what it took
          kubernetes:    --failing-check NAME (repeatable)  --kubeconfig PATH (written with the token from --api-key-env)
                         --sample (namespace default: healthy deployment web, deployment api with a CrashLoopBackOff pod,
                                   statefulset db, daemonset agent)
        """;

    private static async Task<int> Main(string[] args)
    {
        StandIn standIn;
        bool watchStdin;
        try
        {
            (standIn, watchStdin) = await StartAsync(args).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\n{Usage}").ConfigureAwait(false);
            return 2;
        }
        await using (standIn.ConfigureAwait(false))
        {
            await Console.Out.WriteLineAsync($"listening {standIn.BaseUri}").ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
            await UntilStoppedAsync(watchStdin).ConfigureAwait(false);
        }
        return 0;
    }

    private static async Task<(StandIn StandIn, bool WatchStdin)> StartAsync(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("Name a stand-in.");
        }
        var options = Options.Parse(args.Skip(1));
        var port = options.Int("--port") ?? 0;
        StandIn standIn = args[0] switch
        {
            "elasticsearch" => await StartElasticsearchAsync(port, options).ConfigureAwait(false),
            "kibana" => await StartKibanaAsync(port, options).ConfigureAwait(false),
            "grafana" => await StartGrafanaAsync(port, options).ConfigureAwait(false),
            "kubernetes" => await StartKubernetesAsync(port, options).ConfigureAwait(false),
            "pagerduty" => await StartPagerDutyAsync(port, options).ConfigureAwait(false),
            _ => throw new ArgumentException($"Unknown stand-in '{args[0]}'."),
        };
        if (options.Value("--fault") is { } fault)
        {
            standIn.Fault = Enum.TryParse<StandInFault>(fault, ignoreCase: true, out var parsed) ? parsed : throw new ArgumentException($"Unknown fault '{fault}'.");
        }
        if (options.Int("--slow-delay") is { } seconds)
        {
            standIn.SlowDelay = TimeSpan.FromSeconds(seconds);
        }
        if (options.Flag("--proxy-login-page"))
        {
            standIn.UnexpectedShapeResponse = StandIn.ProxyLoginPage;
        }
        if (options.Value("--basic-auth") is { } user)
        {
            standIn.BasicAuth = (user, Secret(options.Value("--password-env") ?? throw new ArgumentException("--basic-auth needs --password-env.")));
        }
        if (options.Value("--api-key-env") is { } keyVariable)
        {
            standIn.ApiKey = Secret(keyVariable);
        }
        if (standIn is KubernetesApiStandIn kubernetes && options.Value("--kubeconfig") is { } kubeconfig)
        {
            kubernetes.WriteKubeconfig(kubeconfig, kubernetes.RequiredBearerToken ?? "");
        }
        var watchStdin = !options.Flag("--no-stdin");
        options.ThrowOnUnused();
        return (standIn, watchStdin);
    }

    private static async Task<ElasticsearchStandIn> StartElasticsearchAsync(int port, Options options)
    {
        var standIn = await ElasticsearchStandIn.StartAsync(port).ConfigureAwait(false);
        standIn.ClusterStatus = options.Value("--cluster-status") ?? standIn.ClusterStatus;
        standIn.UnassignedShards = options.Int("--unassigned-shards") ?? standIn.UnassignedShards;
        return standIn;
    }

    private static async Task<KibanaStandIn> StartKibanaAsync(int port, Options options)
    {
        var standIn = await KibanaStandIn.StartAsync(port).ConfigureAwait(false);
        standIn.OverallLevel = options.Value("--level") ?? standIn.OverallLevel;
        standIn.Legacy7xShape = options.Flag("--legacy-7x");
        standIn.Version = options.Value("--version") ?? standIn.Version;
        return standIn;
    }

    private static async Task<GrafanaStandIn> StartGrafanaAsync(int port, Options options)
    {
        var standIn = await GrafanaStandIn.StartAsync(port).ConfigureAwait(false);
        standIn.DatabaseOk = !options.Flag("--database-failing");
        standIn.Version = options.Value("--version") ?? standIn.Version;
        return standIn;
    }

    private static async Task<PagerDutyStandIn> StartPagerDutyAsync(int port, Options options)
    {
        var standIn = await PagerDutyStandIn.StartAsync(port).ConfigureAwait(false);
        standIn.RateLimitNext = options.Int("--rate-limit") ?? 0;
        return standIn;
    }

    private static async Task<KubernetesApiStandIn> StartKubernetesAsync(int port, Options options)
    {
        var standIn = await KubernetesApiStandIn.StartAsync(port).ConfigureAwait(false);
        standIn.FailingChecks = options.Values("--failing-check");
        if (options.Flag("--sample"))
        {
            AddSample(standIn);
        }
        return standIn;
    }

    private static void AddSample(KubernetesApiStandIn standIn)
    {
        var web = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "frontend" };
        standIn.AddDeployment("default", "web", web, replicas: 2);
        standIn.AddPod("default", "web-7d4b9c8f5-abcde", web, "ReplicaSet", "web-7d4b9c8f5");
        standIn.AddPod("default", "web-7d4b9c8f5-fghij", web, "ReplicaSet", "web-7d4b9c8f5");
        var api = new Dictionary<string, string> { ["app"] = "api", ["tier"] = "backend" };
        standIn.AddDeployment("default", "api", api, replicas: 2, readyReplicas: 1, availableReplicas: 1);
        standIn.AddPod("default", "api-7d4b9c8f5-klmno", api, "ReplicaSet", "api-7d4b9c8f5");
        standIn.AddPod("default", "api-7d4b9c8f5-pqrst", api, "ReplicaSet", "api-7d4b9c8f5", "Running",
            new PodContainer("api") { WaitingReason = "CrashLoopBackOff", WaitingMessage = "back-off 5m0s restarting failed container=api", RestartCount = 7, LastTerminatedAt = DateTime.UtcNow.AddMinutes(-2) });
        var db = new Dictionary<string, string> { ["app"] = "db", ["tier"] = "backend" };
        standIn.AddStatefulSet("default", "db", db, replicas: 1);
        standIn.AddPod("default", "db-0", db, "StatefulSet", "db");
        standIn.AddDaemonSet("default", "agent", new Dictionary<string, string> { ["app"] = "agent" }, desiredNumberScheduled: 1);
        standIn.AddPod("default", "agent-x7k2p", new Dictionary<string, string> { ["app"] = "agent" }, "DaemonSet", "agent");
    }

    private static string Secret(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : throw new ArgumentException($"Environment variable '{variable}' is not set.");

    private static async Task UntilStoppedAsync(bool watchStdin)
    {
        var signalled = new TaskCompletionSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            signalled.TrySetResult();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var stdinClosed = watchStdin ? Console.OpenStandardInput().CopyToAsync(Stream.Null) : Task.Delay(Timeout.Infinite);
        await Task.WhenAny(signalled.Task, stdinClosed).ConfigureAwait(false);
    }

    /// <summary>"--name value" and "--flag" options; every one given must be used by some stand-in.</summary>
    private sealed class Options
    {
        private readonly List<(string Name, string? Value)> _given = [];
        private readonly HashSet<string> _used = [];

        public static Options Parse(IEnumerable<string> args)
        {
            var options = new Options();
            string? pending = null;
            foreach (var arg in args)
            {
                if (arg.StartsWith("--", StringComparison.Ordinal))
                {
                    if (pending is not null)
                    {
                        options._given.Add((pending, null));
                    }
                    pending = arg;
                }
                else if (pending is not null)
                {
                    options._given.Add((pending, arg));
                    pending = null;
                }
                else
                {
                    throw new ArgumentException($"Unexpected argument '{arg}'.");
                }
            }
            if (pending is not null)
            {
                options._given.Add((pending, null));
            }
            return options;
        }

        public bool Flag(string name) => Values(name, allowEmpty: true).Count > 0;

        public string? Value(string name) => Values(name) is [.., var last] ? last : null;

        public int? Int(string name) => Value(name) is { } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : throw new ArgumentException($"{name} needs a whole number, not '{text}'.")
            : null;

        public List<string> Values(string name) => Values(name, allowEmpty: false);

        public void ThrowOnUnused()
        {
            if (_given.FirstOrDefault(g => !_used.Contains(g.Name)) is { Name: not null } unused)
            {
                throw new ArgumentException($"Unknown option '{unused.Name}' for this stand-in.");
            }
        }

        private List<string> Values(string name, bool allowEmpty)
        {
            _used.Add(name);
            var values = _given.Where(g => g.Name == name).ToList();
            if (!allowEmpty && values.Any(v => v.Value is null))
            {
                throw new ArgumentException($"{name} needs a value.");
            }
            return [.. values.Select(v => v.Value ?? "")];
        }
    }
}
