using System.Net;

namespace OpsAutomation.Core.Http;

/// <summary>
/// The proxy the environment names, read as curl reads it: http_proxy for http URLs,
/// https_proxy for https, all_proxy for either when the specific one is unset; each in lower
/// case, else upper case. no_proxy (or NO_PROXY) lists hosts reached directly: * for all, a
/// domain (with or without a leading dot) for itself and its subdomains, an IP address, a CIDR
/// range, each optionally with :port. Read when the connection pools are built, per runtime.
/// </summary>
public sealed class EnvironmentProxy : IWebProxy
{
    private readonly Uri? _http;
    private readonly Uri? _https;
    private readonly IReadOnlyList<string> _bypass;
    private readonly CredentialCache _credentials = new();

    private EnvironmentProxy(Uri? http, Uri? https, IReadOnlyList<string> bypass)
    {
        _http = http;
        _https = https;
        _bypass = bypass;
        foreach (var proxy in new[] { http, https }.OfType<Uri>().Distinct())
        {
            if (proxy.UserInfo.Length == 0) continue;
            var parts = proxy.UserInfo.Split(':', 2);
            _credentials.Add(proxy, "Basic", new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : ""));
        }
    }

    public ICredentials? Credentials
    {
        get => _credentials;
        set => throw new NotSupportedException("The proxy's credentials come from its URL in the environment.");
    }

    /// <summary>The proxy <paramref name="environment"/> names, or null when it names none (or only unusable ones).</summary>
    public static EnvironmentProxy? FromEnvironment(Func<string, string?> environment)
    {
        string? Read(string name) => Nonempty(environment(name)) ?? Nonempty(environment(name.ToUpperInvariant()));
        var all = Parse(Read("all_proxy"));
        var http = Parse(Read("http_proxy")) ?? all;
        var https = Parse(Read("https_proxy")) ?? all;
        if (http is null && https is null) return null;
        var bypass = (Read("no_proxy") ?? "").Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new EnvironmentProxy(http, https, bypass);
    }

    public Uri? GetProxy(Uri destination)
    {
        if (IsBypassed(destination)) return null;
        return destination.Scheme == Uri.UriSchemeHttps ? _https : _http;
    }

    public bool IsBypassed(Uri host)
    {
        if ((host.Scheme == Uri.UriSchemeHttps ? _https : _http) is null) return true;
        foreach (var entry in _bypass)
        {
            if (Matches(entry, host)) return true;
        }
        return false;
    }

    private static bool Matches(string entry, Uri destination)
    {
        if (entry == "*") return true;
        var pattern = entry;
        int? port = null;
        // host:port, or [v6]:port; a bare IPv6 address has colons of its own.
        var colon = pattern.LastIndexOf(':');
        if (colon > 0 && pattern.IndexOf(':') == colon || pattern.StartsWith('[') && colon > pattern.IndexOf(']'))
        {
            if (int.TryParse(pattern[(colon + 1)..], out var p)) port = p;
            pattern = pattern[..colon];
        }
        if (port is { } wanted && wanted != destination.Port) return false;
        pattern = pattern.Trim('[', ']');
        var host = destination.IdnHost.Trim('[', ']');
        if (pattern.Contains('/')) return InRange(pattern, host);
        if (IPAddress.TryParse(pattern, out var address))
            return IPAddress.TryParse(host, out var hostAddress) && address.Equals(hostAddress);
        pattern = pattern.TrimStart('*').TrimStart('.');
        return host.Equals(pattern, StringComparison.OrdinalIgnoreCase)
            || host.EndsWith("." + pattern, StringComparison.OrdinalIgnoreCase);
    }

    private static bool InRange(string cidr, string host)
    {
        var slash = cidr.IndexOf('/');
        if (!IPAddress.TryParse(cidr[..slash], out var network) || !int.TryParse(cidr[(slash + 1)..], out var bits)) return false;
        if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != network.AddressFamily) return false;
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        if (bits < 0 || bits > a.Length * 8) return false;
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : 0xFF << (8 - bits) & 0xFF;
            if ((a[i] & mask) != (n[i] & mask)) return false;
        }
        return true;
    }

    private static string? Nonempty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // curl takes "host:port" without a scheme as http://; only http proxies are spoken to here.
    private static Uri? Parse(string? value)
    {
        if (value is null) return null;
        var text = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.Host.Length > 0 ? uri : null;
    }
}
