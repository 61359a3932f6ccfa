using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using System.Net;

/// <summary>The loopback targets: every /t/{n} answers 200 "ok" after a fixed delay.</summary>
internal static class TargetServer
{
    public static async Task<int> RunAsync(int port, int delayMs)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Logging per request would cost more than the handler itself.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/t/{id:int}", async (int id, CancellationToken cancellationToken) =>
        {
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            return "ok";
        });
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
