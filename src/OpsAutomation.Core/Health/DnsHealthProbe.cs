using System.Net;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>Resolution of a host name; at least one address is healthy.</summary>
internal sealed class DnsHealthProbe : IHealthProbe
{
    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(check.Definition.Target, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
            return new ProbeOutcome(HealthStatus.Unreachable, Models.Health.HealthErrorKind.Dns, $"{check.Definition.Target} resolved to no address");
        var details = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Addresses"] = addresses.Select(a => a.ToString()).ToArray(),
        };
        return ProbeOutcome.Healthy() with { Details = details };
    }
}
