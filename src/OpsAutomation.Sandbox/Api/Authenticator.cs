using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace OpsAutomation.Sandbox.Api;

/// <summary>A user the sandbox knows by bearer token; a read-only one may get, list and watch, never write.</summary>
public sealed record SandboxUser(string Name, string Token, bool ReadOnly);

/// <summary>
/// Bearer-token authentication with two users made at start: an administrator and a read-only
/// viewer. No token is 401 everywhere but the health and version paths (the real server's
/// public-info paths); an unknown token is 401 everywhere.
/// </summary>
public sealed class Authenticator
{
    public Authenticator()
    {
        Admin = new SandboxUser("sandbox-admin", NewToken(), ReadOnly: false);
        Viewer = new SandboxUser("sandbox-viewer", NewToken(), ReadOnly: true);
    }

    public SandboxUser Admin { get; }

    public SandboxUser Viewer { get; }

    public SandboxUser? Authenticate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = header["Bearer ".Length..].Trim();
        return Matches(token, Admin.Token) ? Admin : Matches(token, Viewer.Token) ? Viewer : null;
    }

    /// <summary>Whether the request presents a bearer token at all (a wrong one is 401 even on the public paths).</summary>
    public static bool PresentsToken(HttpRequest request) =>
        request?.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true;

    private static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(expected));

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
