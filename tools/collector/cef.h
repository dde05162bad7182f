// CEF (ArcSight Common Event Format, rev. 25) for findings forwarded to a SIEM.
//
//   CEF:0|Mirador|mirador|<version>|<signature id>|<name>|<severity 0-10>|<extension>
//
// Escaping, as the CEF specification requires:
// - header fields: backslash and pipe are escaped (\\ and \|); a line break becomes a space
//   (header fields cannot carry one).
// - extension values: backslash and equals sign are escaped (\\ and \=); CR and LF become \r and
//   \n; the pipe is NOT escaped in extensions.
// - extension keys are fixed ASCII names chosen here (never taken from traffic).
// Control characters other than CR/LF (C0, DEL and C1) become a space and each invalid UTF-8
// byte becomes U+FFFD, so a SIEM parser never sees them.
//
// Mapping of a mirador.v1.Finding: signature id = Finding.id, name = Finding.summary, severity
// info/low/medium/high/critical -> 1/3/5/8/10 (anything else 5); extension: rt (event time, ms
// since epoch), src, spt, dst, dpt (an IPv6 address goes to c6a2/c6a3 with their labels, as src
// and dst are IPv4 fields), app=HTTP, request (endpoint), cat (risk_class), cs1 (owasp_api,
// cs1Label=owaspApi), cs2 (locations joined by ", ", cs2Label=locations), cs3 (masked samples,
// cs3Label=samples), cnt (count), deviceExternalId (sensor_id), externalId (sequence), cs4
// (community_id, cs4Label=communityId). Empty fields are left out; cs3 samples are joined by ", ".
#pragma once

#include <string>
#include <string_view>

namespace mirador::v1 {
class Event;
}

namespace mirador::collector {

void cef_escape_header(std::string_view in, std::string& out);
void cef_escape_extension(std::string_view in, std::string& out);

// CEF severity (0-10) and syslog severity (RFC 5424: critical 2, high 3, medium 4, low 5,
// info 6; anything else 4) of a Finding.severity.
int cef_severity(std::string_view finding_severity);
int syslog_severity(std::string_view finding_severity);

// The CEF line (no trailing newline) for an Event carrying a Finding; false for other kinds.
bool format_cef(const v1::Event& e, std::string_view product_version, std::string& out);

}  // namespace mirador::collector
