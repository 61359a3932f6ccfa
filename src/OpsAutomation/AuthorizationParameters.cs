using System.Management.Automation;
using System.Net.Http.Headers;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;

namespace OpsAutomation;

/// <summary>
/// -Credential (Basic), -ApiKey and -BearerToken as the commands that send HTTP requests share
/// them: at most one, the key and token given as references; a reference that does not resolve
/// is a terminating error naming the parameter.
/// </summary>
internal static class AuthorizationParameters
{
    /// <summary>The Authorization of the bound parameters, or null when none is given.</summary>
    /// <param name="baseDirectory">Where a relative file: reference starts: the current location.</param>
    public static AuthenticationHeaderValue? Resolve(PSCredential? credential, string? apiKey, string? bearerToken, SecretResolver secrets, string baseDirectory)
    {
        var given = new[] { ("Credential", (object?)credential), ("ApiKey", apiKey), ("BearerToken", bearerToken) }.Where(g => g.Item2 is not null).ToList();
        if (given.Count > 1)
        {
            throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"Give one of -Credential, -ApiKey and -BearerToken, not {string.Join(" and ", given.Select(g => "-" + g.Item1))}."),
                "AuthorizationAmbiguous", ErrorCategory.InvalidArgument, null));
        }
        if (credential is not null) return HttpAuthorization.Basic(credential.UserName, credential.GetNetworkCredential().Password);
        if (apiKey is not null) return HttpAuthorization.ApiKey(ResolveReference(apiKey, "ApiKey", secrets, baseDirectory));
        if (bearerToken is not null) return HttpAuthorization.Bearer(ResolveReference(bearerToken, "BearerToken", secrets, baseDirectory));
        return null;
    }

    private static string ResolveReference(string reference, string parameter, SecretResolver secrets, string baseDirectory)
    {
        try
        {
            return secrets.Resolve(reference, "-" + parameter, baseDirectory);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, parameter + "Invalid", reference));
        }
    }
}
