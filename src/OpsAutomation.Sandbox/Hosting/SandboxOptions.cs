using System.Globalization;

namespace OpsAutomation.Sandbox.Hosting;

/// <summary>How a sandbox starts; every default is what `./build.ps1 Sandbox` uses.</summary>
public sealed class SandboxOptions
{
    /// <summary>The 127.0.0.1 port of the API server; 0 (the default) takes a free one.</summary>
    public int Port { get; set; }

    /// <summary>Where the kubeconfig is written; default kubeconfig in a new folder under the temp folder, removed at stop.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>How much faster than real time the sandbox's clock runs (timers, timestamps); default 1.</summary>
    public double Speed { get; set; } = 1;

    /// <summary>How many recent changes of each resource type a watch can start from before it gets 410 Expired; default 1000.</summary>
    public int WatchWindow { get; set; } = 1000;

    /// <summary>The sandbox time between watch bookmarks (when a client allows them); default 1 minute, as the real server.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether the controllers (Deployment, ReplicaSet, Endpoints, the simulated kubelet) run; default true. Off: the API server alone.</summary>
    public bool Controllers { get; set; } = true;

    /// <summary>The sandbox time a scheduled pod takes to start running (ContainerCreating until then); default 2 seconds.</summary>
    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A Prometheus file_sd target file the sandbox keeps current with its running pods (docs/sandbox.md); default none.</summary>
    public string? PrometheusSdFile { get; set; }

    /// <summary>The local registry whose images the kubelet looks up (<c>127.0.0.1:5000</c> or its URL); default none: every image is assumed present.</summary>
    public string? Registry { get; set; }

    /// <summary>The user of the registry's basic auth; default none.</summary>
    public string? RegistryUsername { get; set; }

    /// <summary>The password of the registry's basic auth (on the command line only as env:NAME or file:PATH); default none.</summary>
    public string? RegistryPassword { get; set; }

    /// <summary>The clock, for tests; default a <see cref="SpeedTimeProvider"/> at <see cref="Speed"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    public const string Usage = """
        usage: OpsAutomation.Sandbox [--port N] [--kubeconfig PATH] [--speed X] [--watch-window N] [--bookmark-seconds N]
                                     [--pod-start-seconds N] [--prometheus-sd-file PATH]
                                     [--registry HOST:PORT [--registry-user NAME --registry-password env:NAME|file:PATH]] [--no-controllers]
          --port N             127.0.0.1 port of the API server (default 0: a free port)
          --kubeconfig PATH    where to write the kubeconfig (default: a new temp folder, removed at stop)
          --speed X            the sandbox clock runs X times real time (default 1)
          --watch-window N     changes of each type a watch can resume from before 410 Expired (default 1000)
          --bookmark-seconds N sandbox seconds between watch bookmarks (default 60)
          --pod-start-seconds N sandbox seconds a pod is ContainerCreating before it runs (default 2)
          --prometheus-sd-file PATH  keep a Prometheus file_sd target file of the running pods there (default: none)
          --registry HOST:PORT the local registry whose images are looked up before a pod starts (default: none, all assumed present)
          --registry-user NAME, --registry-password env:NAME|file:PATH  its basic-auth credentials (default: none)
          --no-controllers     serve the API alone: no controllers, no kubelet
        """;

    /// <summary>Reads the command line; a bad value throws ArgumentException naming the option and the value.</summary>
    public static SandboxOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new SandboxOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"The option {name} needs a value.{Environment.NewLine}{Usage}");
            switch (name)
            {
                case "--port":
                    options.Port = Number(name, Value(), 0, 65535);
                    break;
                case "--kubeconfig":
                    options.KubeconfigPath = Value();
                    break;
                case "--speed":
                    var speed = Value();
                    options.Speed = double.TryParse(speed, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x > 0 && x <= 10_000
                        ? x : throw new ArgumentException($"The option --speed takes a number above 0 and at most 10000, not '{speed}'.");
                    break;
                case "--watch-window":
                    options.WatchWindow = Number(name, Value(), 1, 10_000_000);
                    break;
                case "--bookmark-seconds":
                    options.BookmarkInterval = TimeSpan.FromSeconds(Number(name, Value(), 1, 86_400));
                    break;
                case "--pod-start-seconds":
                    options.PodStartDelay = TimeSpan.FromSeconds(Number(name, Value(), 0, 86_400));
                    break;
                case "--prometheus-sd-file":
                    options.PrometheusSdFile = Value();
                    break;
                case "--registry":
                    options.Registry = Value();
                    break;
                case "--registry-user":
                    options.RegistryUsername = Value();
                    break;
                case "--registry-password":
                    options.RegistryPassword = Secret(name, Value());
                    break;
                case "--no-controllers":
                    options.Controllers = false;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.{Environment.NewLine}{Usage}");
            }
        }
        return options;
    }

    /// <summary>A secret from its reference, env:NAME or file:PATH (the file's first line), never clear text on a command line.</summary>
    private static string Secret(string option, string reference)
    {
        if (reference.StartsWith("env:", StringComparison.Ordinal))
        {
            return Environment.GetEnvironmentVariable(reference[4..]) is { Length: > 0 } value
                ? value : throw new ArgumentException($"The option {option} names the environment variable '{reference[4..]}', which is not set.");
        }
        if (reference.StartsWith("file:", StringComparison.Ordinal))
        {
            return File.Exists(reference[5..])
                ? File.ReadLines(reference[5..]).FirstOrDefault() ?? "" : throw new ArgumentException($"The option {option} names the file '{reference[5..]}', which does not exist.");
        }
        throw new ArgumentException($"The option {option} takes a reference, env:NAME or file:PATH, never the secret itself.");
    }

    private static int Number(string option, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n : throw new ArgumentException($"The option {option} takes a whole number from {min} to {max}, not '{value}'.");
}
