using System.Diagnostics;
using System.Text.Json;

/// <summary>
/// Drives blackbox_exporter: GET /probe?module=http_2xx&amp;target=url for every URL with at most
/// <c>concurrency</c> in flight, and checks each answer says probe_success 1. Prints one JSON line:
/// the seconds of every round (the first is the warm-up), the CPU seconds all rounds took and this
/// process's peak RSS.
/// </summary>
internal static class BlackboxDriver
{
    public static async Task<int> RunAsync(Uri exporter, string[] urls, int concurrency, int rounds)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency })
        {
            BaseAddress = exporter,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var seconds = new List<double>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var succeeded = await ProbeAllAsync(client, urls, concurrency).ConfigureAwait(false);
            watch.Stop();
            if (succeeded != urls.Length)
            {
                await Console.Error.WriteLineAsync($"round {round}: {succeeded} of {urls.Length} probes succeeded").ConfigureAwait(false);
                return 1;
            }
            seconds.Add(watch.Elapsed.TotalSeconds);
        }
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            Seconds = seconds,
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
            PeakRssMiB = PeakRss.MiB(Environment.ProcessId),
        }));
        return 0;
    }

    private static async Task<int> ProbeAllAsync(HttpClient client, string[] urls, int concurrency)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var succeeded = 0;
        var probes = urls.Select(async url =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var body = await client.GetStringAsync(new Uri("probe?module=http_2xx&target=" + Uri.EscapeDataString(url), UriKind.Relative)).ConfigureAwait(false);
                if (body.Contains("\nprobe_success 1\n", StringComparison.Ordinal)) Interlocked.Increment(ref succeeded);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(probes).ConfigureAwait(false);
        return succeeded;
    }
}
