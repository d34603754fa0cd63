# gdviz in a container: one app process on port 8501 (a class of more: several replicas behind
# a load balancer with sticky sessions; README, "Serving a class").
#   docker build -t gdviz . && docker run -p 8501:8501 gdviz
FROM python:3.11-slim

# OPENBLAS_NUM_THREADS: one app process uses one core (Python's interpreter lock), and NumPy's
# BLAS threads beside it only compete for the replica's CPU (README, "Serving a class").
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The package from the repository (its surface library and lessons go in with it), with the
# app's pinned versions as constraints so that the image runs what the tests ran.
COPY pyproject.toml requirements.txt /src/
COPY gdviz /src/gdviz
COPY surfaces /src/surfaces
COPY lessons /src/lessons
RUN pip install --constraint /src/requirements.txt /src && rm -rf /src

# The entry script and Streamlit's settings (no file watcher, the 2 MB upload limit); the
# code it imports is the installed package.
WORKDIR /app
COPY app.py /app/
COPY .streamlit /app/.streamlit

RUN useradd --create-home --uid 10001 gdviz
USER gdviz

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", "--server.headless=true", "--server.address=0.0.0.0", "--server.port=8501"]
