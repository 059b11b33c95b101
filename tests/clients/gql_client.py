"""Python gql against makermatch: fetches the schema by introspection
(fetch_schema_from_transport=True), runs the query of the second argument against the URL
of the first, validated against that schema, and checks a query naming an unknown field is
refused by the client itself, before any request. Prints one JSON line: the data, the
number of types in the fetched schema and the local refusal."""

import json
import sys

from gql import Client, gql
from gql.transport.requests import RequestsHTTPTransport
from graphql import GraphQLError

url, query = sys.argv[1], sys.argv[2]
transport = RequestsHTTPTransport(url=url, timeout=30, retries=0)
client = Client(transport=transport, fetch_schema_from_transport=True)
with client as session:
    data = session.execute(gql(query))
    schema = client.schema
    try:
        session.execute(gql("{ noSuchField }"))
        refused = None
    except GraphQLError as error:
        refused = str(error)

print(json.dumps({
    "data": data,
    "types": len(schema.type_map) if schema else 0,
    "refusedLocally": refused,
}))
